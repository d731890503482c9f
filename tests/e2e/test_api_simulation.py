"""`POST /api/v1/simulation` over HTTP: the answer's shape and numbers (the hand-computed case
of tests/unit/test_simulation.py), today taken in Jakarta, the refusals as problem+json with
field errors, unknown fields refused, the route in the OpenAPI document, and the default
per-client rate limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from claims.app import create_app
from claims.casework.facts import kpj_account
from claims.clock import Clock, wib_date
from claims.db import Database
from claims.ratelimits import RateLimits
from claims.repositories.participant_access import participant_row
from claims.runtime import Runtime
from claims.settings import Settings
from tests.e2e.api_helpers import assert_problem, bearer
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import sign_in
from tests.support import NOW, sample

PATH = "/api/v1/simulation"
BODY: dict[str, Any] = {
    "monthly_wage": 5_000_000,
    "birth_date": "1980-03-10",
    "start_balance": 10_000_000,
    "rates_bp": [600],
}


def field_codes(answer: Any) -> dict[str, str]:
    problem = assert_problem(answer, 422, "validation_failed")
    return {item["field"]: item.get("code", item["message"]) for item in problem["errors"]}


def test_a_projection_answers_years_at_56_and_assumptions(api: Api) -> None:
    # The samples' day, 16-11-2026 in Jakarta: November's contribution is not projected and
    # 2027 is the unit test's full year (start 10.000.000, 285.000 a month at 6%).
    answer = api.client.post(PATH, json=BODY)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert set(result) == {"years", "at_56", "assumptions"}
    first, second = result["years"][0], result["years"][1]
    # 2026: the 10.000.000 earns from the end of November: 1 month x 0.5% = 50.000;
    # December's 285.000 is paid at its end and held no month: 10.335.000.
    assert first == {
        "year": 2026,
        "age": 46,
        "monthly_wage": 5_000_000,
        "contributions": 285_000,
        "balance_by_rate": {"600": 10_335_000},
    }
    # 2027: 10.335.000 x 6% = 620.100, + 3.420.000 + 94.050 = 14.469.150
    assert second["contributions"] == 3_420_000
    assert second["balance_by_rate"] == {"600": 14_469_150}
    assert result["at_56"]["date"] == "2036-03-10" and result["at_56"]["age"] == 56
    assert result["at_56"]["balance_by_rate"] == result["years"][-1]["balance_by_rate"]
    assumptions = result["assumptions"]
    assert assumptions["contribution_bp"] == 570
    assert (assumptions["employer_bp"], assumptions["worker_bp"]) == (370, 200)
    assert assumptions["start_date"] == NOW.date().isoformat()
    assert assumptions["development_credited"] == "yearly"
    assert assumptions["start_balance_source"] == "given"
    assert assumptions["retirement_age"] == 56
    assert "bukan janji" in assumptions["statements"][-1]["id"]
    assert "not a promise" in assumptions["statements"][-1]["en"]
    assert assumptions["convention"]["id"] and assumptions["convention"]["en"]


def test_defaults_three_rates_around_the_last_declared_one(api: Api) -> None:
    answer = api.client.post(PATH, json={"monthly_wage": 4_000_000, "age": 30})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["assumptions"]["rates_bp"] == [463, 563, 663]
    assert result["assumptions"]["rates_source"] == "default"
    assert result["assumptions"]["start_balance_source"] == "none"
    assert result["assumptions"]["birth_date_source"] == "from_age"
    assert set(result["at_56"]["balance_by_rate"]) == {"463", "563", "663"}
    balances = [result["at_56"]["balance_by_rate"][rate] for rate in ("463", "563", "663")]
    assert balances == sorted(balances) and len(result["years"]) == 27


def test_refusals_are_problems_with_field_errors(api: Api) -> None:
    both = api.client.post(PATH, json={**BODY, "age": 40})
    assert field_codes(both) == {"body.birth_date": "birth_date_or_age"}
    neither = api.client.post(PATH, json={"monthly_wage": 5_000_000})
    assert field_codes(neither) == {"body.birth_date": "birth_date_or_age"}
    assert field_codes(api.client.post(PATH, json={**BODY, "monthly_wage": 0})) == {
        "body.monthly_wage": "wage_out_of_range"
    }
    assert field_codes(api.client.post(PATH, json={**BODY, "birth_date": "1960-01-01"})) == {
        "body.birth_date": "age_out_of_range"
    }
    assert field_codes(api.client.post(PATH, json={**BODY, "rates_bp": [100, 200, 300, 400]})) == {
        "body.rates_bp": "rates_count"
    }
    assert field_codes(api.client.post(PATH, json={**BODY, "rates_bp": [2_600]})) == {
        "body.rates_bp": "rate_out_of_range"
    }
    assert field_codes(api.client.post(PATH, json={**BODY, "wage_growth_bp": 5_000})) == {
        "body.wage_growth_bp": "growth_out_of_range"
    }
    assert field_codes(api.client.post(PATH, json={**BODY, "start_balance": -1})) == {
        "body.start_balance": "start_balance_out_of_range"
    }
    english = api.client.post(
        PATH, json={**BODY, "monthly_wage": -1}, headers={"Accept-Language": "en"}
    )
    assert "monthly wage" in assert_problem(english, 422)["errors"][0]["message"]


def test_unknown_fields_and_wrong_types_are_refused(api: Api) -> None:
    unknown = api.client.post(PATH, json={**BODY, "contribution_bp": 1_000})
    problem = assert_problem(unknown, 422, "validation_failed")
    assert problem["errors"][0]["field"] == "body.contribution_bp"
    wrong_type = api.client.post(PATH, json={**BODY, "monthly_wage": "lima juta"})
    assert assert_problem(wrong_type, 422)["errors"][0]["field"] == "body.monthly_wage"
    bad_date = api.client.post(PATH, json={**BODY, "birth_date": "10-03-1980"})
    assert assert_problem(bad_date, 422)["errors"][0]["field"] == "body.birth_date"
    assert_problem(
        api.client.post(PATH, content=b"{", headers={"Content-Type": "application/json"}), 400
    )


def test_the_route_is_in_the_openapi_document(api: Api) -> None:
    operation = api.client.get("/openapi.json").json()["paths"][PATH]["post"]
    assert "public" in operation["tags"]
    for status in ("200", "422", "429"):
        assert status in operation["responses"]
    assert "application/problem+json" in operation["responses"]["422"]["content"]
    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body_schema = api.client.get("/openapi.json").json()["components"]["schemas"][
        body_ref.rsplit("/", 1)[-1]
    ]
    assert body_schema["additionalProperties"] is False
    assert set(body_schema["properties"]) == {
        "monthly_wage",
        "birth_date",
        "age",
        "start_balance",
        "wage_growth_bp",
        "rates_bp",
    }


def test_the_default_per_client_limit_holds(db: Database, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, database_url=db.url, scheduler=False)
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    app = create_app(
        settings=settings, runtime=runtime, rate_limits=RateLimits(default_per_client="3/minute")
    )
    try:
        with TestClient(app) as client:
            for _ in range(3):
                assert client.post(PATH, json=BODY).status_code == 200
            limited = assert_problem(client.post(PATH, json=BODY), 429, "rate_limited")
            assert limited["retry_after"] >= 1
    finally:
        runtime.close()


def test_signed_in_the_projection_starts_from_the_real_available_balance(api: Api) -> None:
    label = "resignation: balance 80.000.000 (tax example)"
    session_token = sign_in(api, label)
    today = wib_date(api.runtime.clock.now())
    with api.db.read_only() as session:
        participant = participant_row(session, sample(label)["kpj"])
        assert participant is not None
        available = kpj_account(session, participant, today).available
    body = {"monthly_wage": 5_000_000, "birth_date": "1990-01-15"}
    signed = api.client.post("/api/v1/simulation", json=body, headers=bearer(session_token))
    anonymous = api.client.post("/api/v1/simulation", json=body)
    assert signed.status_code == 200 and anonymous.status_code == 200
    assert available >= 80_000_000
    assert signed.json()["assumptions"]["start_balance"] == available
    assert anonymous.json()["assumptions"]["start_balance"] == 0
    # A typed starting balance is a what-if and wins.
    typed = api.client.post(
        "/api/v1/simulation", json={**body, "start_balance": 1_000}, headers=bearer(session_token)
    )
    assert typed.json()["assumptions"]["start_balance"] == 1_000
