"""Credentials: an unknown token is 401; a real token that does not open the claim, and an
officer of another branch, get 404 like a missing id; a wrong role is 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from http_support import add_branch, add_claim, add_officer_token, bearer, make_app, make_runtime
from sqlalchemy import update

from claims.db import Database
from claims.errors import NotFound
from claims.http.auth import (
    ApplicantToken,
    CurrentOfficer,
    RuntimeDep,
    ensure_officer_can_see,
    require_role,
)
from claims.http.csrf import APPLICANT_COOKIE
from claims.models import Claim, Officer
from claims.repositories.credentials import find_applicant_claim
from claims.runtime import Runtime


@pytest.fixture
def runtime(db: Database, data_dir: Path) -> Runtime:
    add_branch(db, "JKT01")
    add_branch(db, "SBY01")
    return make_runtime(db, data_dir)


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    app = make_app(runtime)

    # The routes take their credentials as the real endpoints do.
    @app.get("/claims/{claim_id}")
    def applicant_view(
        claim_id: str, token: ApplicantToken, runtime: RuntimeDep
    ) -> dict[str, str | int]:
        with runtime.db.read_only() as session:
            claim = find_applicant_claim(session, token, claim_id, runtime.clock.now())
            return {"id": claim.id, "version": claim.version}

    @app.get("/officer/claims/{claim_id}")
    def officer_view(claim_id: str, officer: CurrentOfficer) -> dict[str, str]:
        with runtime.db.read_only() as session:
            claim = session.get(Claim, claim_id)
            if claim is None:
                raise NotFound("claim")
            ensure_officer_can_see(officer, claim.branch_code)
            return {"id": claim.id, "officer": officer.name}

    @app.post("/officer/approve")
    def approve(officer: CurrentOfficer) -> dict[str, int]:
        require_role(officer, "approver", "supervisor")
        return {"officer_id": officer.id}

    return TestClient(app)


def test_applicant_token_opens_its_claim_by_header_or_cookie(
    client: TestClient, db: Database
) -> None:
    claim_id, token = add_claim(db, "JKT01", "26000000001")
    assert client.get(f"/claims/{claim_id}", headers=bearer(token)).json() == {
        "id": claim_id,
        "version": 1,
    }
    client.cookies.set(APPLICANT_COOKIE, token)
    assert client.get(f"/claims/{claim_id}").status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthenticated"),
        ({"Authorization": "Bearer not-a-real-token"}, 401, "unauthenticated"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthenticated"),
        ({"Authorization": "Bearer "}, 401, "unauthenticated"),
    ],
)
def test_applicant_without_a_valid_token(
    client: TestClient, db: Database, headers: dict[str, str], status: int, code: str
) -> None:
    claim_id, _token = add_claim(db, "JKT01", "26000000001")
    response = client.get(f"/claims/{claim_id}", headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_of_another_claim_is_the_same_404_as_a_missing_id(
    client: TestClient, db: Database
) -> None:
    mine, my_token = add_claim(db, "JKT01", "26000000001")
    theirs, _ = add_claim(db, "JKT01", "26000000002")
    other = client.get(f"/claims/{theirs}", headers=bearer(my_token))
    missing = client.get("/claims/00000000-0000-0000-0000-000000000000", headers=bearer(my_token))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert client.get(f"/claims/{mine}", headers=bearer(my_token)).status_code == 200


def test_officer_token_does_not_open_an_applicant_route(client: TestClient, db: Database) -> None:
    claim_id, _ = add_claim(db, "JKT01", "26000000001")
    officer = add_officer_token(db, "JKT01", "verifier")
    assert client.get(f"/claims/{claim_id}", headers=bearer(officer)).status_code == 401


@pytest.mark.parametrize(
    ("branch", "roles", "status"),
    [
        ("JKT01", ("verifier",), 200),
        ("SBY01", ("verifier",), 404),
        ("SBY01", ("approver", "interviewer"), 404),
        (None, ("supervisor",), 200),
    ],
)
def test_officers_see_their_branch_and_supervisors_all(
    client: TestClient, db: Database, branch: str | None, roles: tuple[str, ...], status: int
) -> None:
    claim_id, _ = add_claim(db, "JKT01", "26000000001")
    token = add_officer_token(db, branch, *roles)
    response = client.get(f"/officer/claims/{claim_id}", headers=bearer(token))
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found"


def test_officer_routes_refuse_missing_unknown_and_applicant_tokens(
    client: TestClient, db: Database
) -> None:
    claim_id, applicant = add_claim(db, "JKT01", "26000000001")
    for headers in ({}, bearer("nope"), bearer(applicant)):
        response = client.get(f"/officer/claims/{claim_id}", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (("verifier",), 403),
        (("verifier", "interviewer", "finance"), 403),
        (("approver",), 200),
        (("verifier", "approver"), 200),
    ],
)
def test_role_check(client: TestClient, db: Database, roles: tuple[str, ...], status: int) -> None:
    token = add_officer_token(db, "JKT01", *roles)
    response = client.post("/officer/approve", headers=bearer(token))
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "role_not_allowed"


def test_inactive_officer_is_401(client: TestClient, db: Database) -> None:
    token = add_officer_token(db, "JKT01", "approver")
    with db.unit_of_work() as session:
        session.execute(update(Officer).values(active=False))
    assert client.post("/officer/approve", headers=bearer(token)).status_code == 401
