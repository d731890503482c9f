"""The JHT account over HTTP (issue 15, item 1), the issue's examples as a new user tries them:
a KPJ paid in full has nothing left for a second claim; a 30% partial followed by a full
claim pays what is left, not the statement again; the registry's death or a new job stops
an approval; the estimate is the same computation for today, and says for which day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from claims.models import Participant
from claims.payouts.dispatcher import dispatch_payouts
from tests.e2e.api_helpers import (
    ClaimOverHttp,
    assert_problem,
    bearer,
    claim_body,
    review_all,
    submit_claim,
    to_awaiting_approval,
)
from tests.e2e.api_helpers import create_claim as create_over_http
from tests.e2e.conftest import Api
from tests.support import NOW, Staff, add_staff, developed, flat_tax, sample

EIGHTY = "resignation: balance 80.000.000 (tax example)"
PARTIAL_THEN_FULL = "partial then full: member 12 years, left 2 months ago (Rp 140 juta)"
JAKARTA = ZoneInfo("Asia/Jakarta")


def approve(api: Api, claim_id: str, staff: Staff) -> dict[str, Any]:
    answer = api.client.post(
        f"/api/v1/officer/claims/{claim_id}/approve",
        json={"note": "ok"},
        headers=bearer(staff.tokens["approver"]),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pay(api: Api, at: datetime) -> None:
    """The payout dispatcher's run at `at`: the sandbox bank carries the transfer out."""
    api.set_now(at)
    assert dispatch_payouts(api.runtime, at) >= 1


def paid_claim(api: Api, label: str, reason: str) -> tuple[dict[str, Any], datetime]:
    """A claim of `reason` for `label` created, reviewed, interviewed, approved and paid;
    answers the approval's claim view and the moment of approval."""
    claim = create_over_http(api, label, reason)
    approved, during = approved_claim(api, claim)
    pay(api, during + timedelta(minutes=1))
    status = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()["status"]
    assert status == "paid"
    return approved, during


def approved_claim(api: Api, claim: ClaimOverHttp) -> tuple[dict[str, Any], datetime]:
    """A claim just created over HTTP, through review and interview to approval."""
    staff = add_staff(api.db, claim.branch)
    submit_claim(api, claim)
    reviewed = review_all(api, claim, staff)
    during = datetime.fromisoformat(reviewed["interview"]["starts_at"]) + timedelta(minutes=5)
    api.set_now(during)
    passed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff.tokens["interviewer"]),
    )
    assert passed.status_code == 200, passed.text
    return approve(api, claim.id, staff), during


def test_a_kpj_paid_in_full_has_nothing_left_for_a_second_claim(api: Api) -> None:
    approved, during = paid_claim(api, EIGHTY, "resignation")
    gross = developed(80_000_000, NOW, during)
    assert approved["payout"]["gross"] == gross  # before: Rp 80 juta, the statement
    # Before: a second resignation claim was accepted and estimated Rp 80 juta again.
    again = api.client.post("/api/v1/claims", json=claim_body(EIGHTY))
    problem = assert_problem(again, 422, "nothing_to_claim")
    assert problem["paid_out"] == gross and problem["held"] == 0


def test_a_partial_then_a_full_claim_pays_what_is_left(api: Api) -> None:
    partial, partial_day = paid_claim(api, PARTIAL_THEN_FULL, "partial_housing")
    statement_then = developed(140_000_000, NOW, partial_day)
    assert partial["payout"]["gross"] == statement_then * 30 // 100

    # The full claim's estimate is the same computation for today, and says so.
    created = api.client.post("/api/v1/claims", json=claim_body(PARTIAL_THEN_FULL))
    assert created.status_code == 201, created.text
    estimate = created.json()["estimate"]
    today = api.runtime.clock.now()
    assert estimate["as_of"] == today.astimezone(JAKARTA).date().isoformat()
    assert estimate["gross"] < 140_000_000 - 40_000_000  # before: Rp 140 juta again

    row = sample(PARTIAL_THEN_FULL)
    full = ClaimOverHttp(
        created.json()["id"],
        created.json()["access_token"],
        PARTIAL_THEN_FULL,
        row["_branch"],
        row["kpj"],
        "",
    )
    approved, full_day = approved_claim(api, full)
    left = left_after(140_000_000, partial["payout"]["gross"], partial_day, full_day)
    assert approved["payout"]["gross"] == left
    assert approved["payout"]["tax"] == flat_tax(left, earlier=partial["payout"]["gross"])
    # The officer sees the account the figures came from: the statement, its development,
    # the partial paid out of it, and nothing held but this claim's own payout.
    officer = api.client.get(
        f"/api/v1/officer/claims/{full.id}",
        headers=bearer(add_staff(api.db, full.branch).tokens["verifier"]),
    ).json()
    account = officer["account"]
    assert account["statement_balance"] == 140_000_000
    assert account["paid_out"] == partial["payout"]["gross"]
    assert account["held"] == approved["payout"]["gross"]
    assert account["available"] == 0 and account["rate_bp"] == 563 and account["rate_assumed"]
    # Statement plus development, never more: what both claims paid.
    total = partial["payout"]["gross"] + approved["payout"]["gross"]
    assert 140_000_000 < total <= developed(140_000_000, NOW, full_day)


def test_the_registry_reporting_death_stops_an_approval(api: Api) -> None:
    claim, staff = to_awaiting_approval(api, EIGHTY)
    with api.db.unit_of_work() as session:
        session.execute(
            update(Participant).where(Participant.kpj == claim.kpj).values(deceased=True)
        )
    answer = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={"note": "ok"},
        headers=bearer(staff.tokens["approver"]),
    )
    assert_problem(answer, 409, "participant_deceased")
    seen = api.client.get(
        f"/api/v1/officer/claims/{claim.id}", headers=bearer(staff.tokens["approver"])
    )
    assert seen.json()["status"] == "awaiting_approval" and seen.json()["payout"] is None


def test_a_new_job_in_the_registry_stops_an_approval(api: Api) -> None:
    claim, staff = to_awaiting_approval(api, EIGHTY)
    with api.db.unit_of_work() as session:
        session.execute(
            update(Participant)
            .where(Participant.kpj == claim.kpj)
            .values(membership_status="active")
        )
    answer = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={"note": "ok"},
        headers=bearer(staff.tokens["approver"]),
    )
    problem = assert_problem(answer, 409, "not_eligible")
    assert problem["eligibility_code"] == "membership_still_active"


def left_after(statement: int, partial: int, partial_at: datetime, full_at: datetime) -> int:
    """What a KPJ stated at `statement` on NOW's day has left on `full_at`'s day after a
    partial payout of `partial` confirmed on `partial_at`'s day (the dispatcher pays a minute
    after approval, the same day): development on the statement until the partial, on what
    is left after it, rounded down once within the year. By hand, apart from workflow.account."""
    start = NOW.astimezone(JAKARTA).date()
    paid_on = (partial_at + timedelta(minutes=1)).astimezone(JAKARTA).date()
    end = full_at.astimezone(JAKARTA).date()
    assert start.year == end.year == 2026
    weighted = (
        statement * 563 * (paid_on - start).days
        + (statement - partial) * 563 * (end - paid_on).days
    )
    return statement - partial + weighted // (10_000 * 365)
