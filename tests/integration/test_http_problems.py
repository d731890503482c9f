"""Every refusal and failure becomes one RFC 9457 problem, in Indonesian unless the client
prefers English, never with a stack trace."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_support import make_app, make_runtime
from pydantic import BaseModel, ConfigDict, field_validator
from starlette.requests import Request

from claims.db import Database
from claims.errors import FieldProblem, NotFound, TooManyRequests, refusal
from claims.http.problems import PROBLEM_TYPE_BASE, preferred_language
from documents.errors import DocumentRejected
from scheduling.errors import InvalidBranchCalendar
from workflow.errors import GuardFailed, TransitionNotAllowed
from workflow.identifiers import IdentifierErrorCode, InvalidIdentifier

SECRET_IN_TRACEBACK = "secret-internal-detail-42"


class Heir(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nik: str
    full_name: str

    @field_validator("nik")
    @classmethod
    def _nik(cls, value: str) -> str:
        if len(value) != 16:
            raise InvalidIdentifier(IdentifierErrorCode.nik_format)
        return value


class ClaimBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kpj: str
    birth_date: date
    heir: Heir | None = None


def raising(error: Exception) -> Any:
    def endpoint() -> None:
        raise error

    return endpoint


ROUTES: dict[str, Exception] = {
    "transition": TransitionNotAllowed("paid", "approve", ["cancel"]),
    "incomplete": GuardFailed(
        "incomplete", "Missing items.", "Ada yang kurang.", missing=["ktp", "bank_account"]
    ),
    "not_eligible": refusal(
        "not_eligible", 422, "Not yet.", "Belum.", eligible_from=date(2027, 1, 1)
    ),
    "identifier": InvalidIdentifier(IdentifierErrorCode.nik_format, field="heir_nik"),
    "scheduling": InvalidBranchCalendar("Kalender tidak valid.", "Calendar not valid."),
    "document": DocumentRejected("unsupported_type", file_index=2),
    "fields": FieldProblem([{"field": "account_number", "message": "Salah."}]),
    "limited": TooManyRequests(17),
    "not_found": NotFound("claim"),
    "crash": RuntimeError(SECRET_IN_TRACEBACK),
    "hidden_data": refusal("odd", 422, "Odd.", "Aneh.", officer_nik="3101012111700001"),
}


@pytest.fixture
def client(db: Database, data_dir: Path) -> TestClient:
    app = make_app(make_runtime(db, data_dir))
    for name, error in ROUTES.items():
        app.add_api_route(f"/raise/{name}", raising(error), methods=["GET"])

    @app.post("/claims")
    def create(body: ClaimBody) -> dict[str, str]:
        return {"kpj": body.kpj}

    @app.get("/language")
    def language(request: Request) -> dict[str, str]:
        return {"language": preferred_language(request)}

    return TestClient(app, raise_server_exceptions=False)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("route", "status", "code", "members"),
    [
        ("transition", 409, "transition_not_allowed", {"allowed_triggers": ["cancel"]}),
        ("incomplete", 422, "incomplete", {"missing": ["ktp", "bank_account"]}),
        ("not_eligible", 422, "not_eligible", {"eligible_from": "2027-01-01"}),
        ("scheduling", 422, "invalid_branch_calendar", {}),
        ("document", 415, "unsupported_type", {"file_index": 2}),
        (
            "fields",
            422,
            "validation_failed",
            {"errors": [{"field": "account_number", "message": "Salah."}]},
        ),
        ("limited", 429, "rate_limited", {"retry_after": 17}),
        ("not_found", 404, "not_found", {}),
    ],
)
def test_errors_map_to_problems_with_their_data(
    client: TestClient, route: str, status: int, code: str, members: dict[str, Any]
) -> None:
    body = assert_problem(client.get(f"/raise/{route}"), status, code)
    for key, value in members.items():
        assert body[key] == value


def test_invalid_identifier_names_the_field(client: TestClient) -> None:
    body = assert_problem(client.get("/raise/identifier"), 422, "validation_failed")
    assert body["errors"] == [
        {"field": "heir_nik", "message": "NIK harus terdiri dari 16 angka.", "code": "nik_format"}
    ]


def test_data_the_spec_does_not_name_stays_private(client: TestClient) -> None:
    response = client.get("/raise/hidden_data")
    assert_problem(response, 422, "odd")
    assert "3101012111700001" not in response.text


def test_429_carries_retry_after(client: TestClient) -> None:
    response = client.get("/raise/limited")
    assert response.headers["retry-after"] == "17"


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "id"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("en;q=0.5,id;q=0.6", "id"),
        ("fr,en;q=0.5", "en"),
        ("fr", "id"),
        ("en;q=0", "id"),
        ("in", "id"),
    ],
)
def test_preferred_language(client: TestClient, accept_language: str | None, expected: str) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    assert client.get("/language", headers=headers).json() == {"language": expected}


def test_messages_follow_accept_language(client: TestClient) -> None:
    indonesian = client.get("/raise/not_found").json()
    english = client.get("/raise/not_found", headers={"Accept-Language": "en"}).json()
    assert indonesian["detail"] == "Klaim tidak ditemukan."
    assert english["detail"] == "No such claim."
    assert english["title"] == "Not found" and indonesian["title"] == "Tidak ditemukan"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/claims", content=b'{"kpj": "1', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "malformed_request")


def test_unknown_and_invalid_fields_are_listed(client: TestClient) -> None:
    response = client.post(
        "/claims",
        json={
            "kpj": "26000000001",
            "birth_date": "1970-02-30",
            "status": "approved",
            "heir": {"nik": "123", "full_name": "Siti", "net": 5},
        },
        headers={"Accept-Language": "en"},
    )
    body = assert_problem(response, 422, "validation_failed")
    errors = {error["field"]: error["message"] for error in body["errors"]}
    assert errors["body.status"] == "This field is not allowed."
    assert errors["body.heir.net"] == "This field is not allowed."
    assert errors["body.heir.nik"] == "The NIK must be 16 digits."
    assert errors["body.birth_date"] == "Must be a date YYYY-MM-DD."
    assert len(errors) == 4


def test_missing_field_in_indonesian(client: TestClient) -> None:
    body = assert_problem(client.post("/claims", json={"kpj": "1"}), 422, "validation_failed")
    assert body["errors"] == [{"field": "body.birth_date", "message": "Wajib diisi."}]


def test_unexpected_error_is_a_generic_500_logged_server_side(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="claims.http"):
        response = client.get("/raise/crash")
    body = assert_problem(response, 500, "internal_error")
    assert SECRET_IN_TRACEBACK not in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    assert body["detail"].startswith("Terjadi kesalahan")
    logged = [record for record in caplog.records if record.name == "claims.http"]
    assert logged and logged[0].exc_info is not None
    assert SECRET_IN_TRACEBACK in str(logged[0].exc_info[1])


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_problem(client.get("/no/such/route"), 404, "not_found")
    response = client.delete("/claims")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
