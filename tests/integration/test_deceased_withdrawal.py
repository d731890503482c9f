"""The registry reports a participant deceased: their own open claims are withdrawn
(`withdraw_deceased`, reason participant_deceased, by the system), the applicant is told, an
interview seat is freed and a failed payout stays as it was; approved claims, death claims and
the claims of the living stay. The import withdraws within its own run; the minute job catches
the rest; a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from claims.casework import facts
from claims.casework.review import DocumentDecision, review_documents
from claims.clock import Clock
from claims.db import Database
from claims.jobs.deceased import death_claim_documents, deceased_withdrawals
from claims.models import Claim, ClaimEvent, Interview, OutboxMessage, Participant, Payout
from claims.payouts.dispatcher import dispatch_payouts
from claims.registry.importer import import_participants
from claims.repositories.bookings import live_interview
from claims.runtime import Runtime
from claims.settings import Settings
from tests.e2e.payout_process import approve_one
from tests.support import (
    NOW,
    add_staff,
    create,
    load_samples,
    new_claim_request,
    registry_reporting_deaths,
    sample,
    submit_directly,
)
from workflow.states import ClaimReason, ClaimStatus

LATER = NOW + timedelta(days=40)  # after every interview and approval below
IMPORTED_AT = LATER + timedelta(hours=1)
CLOSED_ACCOUNT = "1234560000"  # the simulated bank refuses it: the account is closed
# label of the sample participant -> (reason of their claim, status it is brought to)
DYING = {
    "resignation: left 3 months ago": (ClaimReason.resignation, "documents_pending"),
    "termination: PHK 3 months ago": (ClaimReason.termination, "under_review"),
    "retirement: aged 60": (ClaimReason.retirement, "interview_scheduled"),
    "resignation: balance 50.000.001": (ClaimReason.resignation, "awaiting_approval"),
    "resignation: balance 80.000.000": (ClaimReason.resignation, "payout_failed"),
}
STAYING = {
    "contract_end: contract ended yesterday": (ClaimReason.contract_end, "approved"),
    "death: deceased participant (heir claims)": (ClaimReason.death, "documents_pending"),
}
LIVING = "resignation: balance 49.999.999"


@pytest.fixture
def runtime(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[Runtime]:
    load_samples(db, tmp_path / "samples")
    settings = Settings(database_url=db.url, data_dir=data_dir, scheduler=False)
    yield Runtime(settings=settings, db=db, clock=Clock())


def claim_in(db: Database, label: str, reason: ClaimReason, status: str) -> str:
    """A claim of the sample `label` brought through the service to `status`."""
    row = sample(label)
    if status in ("awaiting_approval", "approved", "payout_failed"):
        staff = add_staff(db, row["_branch"])
        account = CLOSED_ACCOUNT if status == "payout_failed" else "1234567890"
        claim_id = approve_one(
            db, row, reason, staff, account, approve=status != "awaiting_approval"
        )
        assert claim_id is not None
        return claim_id
    claim_id = create(db, new_claim_request(row, reason)).claim_id
    if status == "documents_pending":
        return claim_id
    types = submit_directly(db, claim_id, row["full_name"])
    if status == "interview_scheduled":
        staff = add_staff(db, row["_branch"])
        with db.unit_of_work() as session:
            claim = facts.get_claim(session, claim_id)
            decisions = [DocumentDecision(t, True) for t in types]
            review_documents(session, claim, staff.verifier, decisions, NOW)
    return claim_id


def statuses(db: Database, claim_ids: dict[str, str]) -> dict[str, str]:
    with db.read_only() as session:
        return {
            label: session.get_one(Claim, claim_id).status.value
            for label, claim_id in claim_ids.items()
        }


def trail(db: Database, claim_id: str) -> list[tuple[str, str | None, str, str, str | None]]:
    with db.read_only() as session:
        events = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
        )
        return [
            (e.trigger, e.from_status, e.to_status, e.actor_role, e.reason_code) for e in events
        ]


def notifications(db: Database, claim_id: str) -> list[dict[str, object]]:
    with db.read_only() as session:
        messages = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_id == claim_id, OutboxMessage.kind == "notification")
            .order_by(OutboxMessage.id)
        )
        return [dict(m.payload) for m in messages]


def payouts(db: Database, claim_id: str) -> list[tuple[str, str, bool, str | None]]:
    with db.read_only() as session:
        rows = session.scalars(select(Payout).where(Payout.claim_id == claim_id))
        return [(p.reference, p.status.value, p.live, p.failure_reason) for p in rows]


def test_an_import_that_reports_deaths_withdraws_those_participants_open_claims(
    runtime: Runtime, tmp_path: Path
) -> None:
    db = runtime.db
    dying = {label: claim_in(db, label, *claim) for label, claim in DYING.items()}
    assert dispatch_payouts(runtime, LATER) == 1  # the bank refuses the closed account
    # then the approved claim, whose payout is left on its way to the bank
    staying = {label: claim_in(db, label, *claim) for label, claim in STAYING.items()}
    staying[LIVING] = claim_in(db, LIVING, ClaimReason.resignation, "documents_pending")
    failed_claim = dying["resignation: balance 80.000.000"]
    assert statuses(db, dying) == {label: status for label, (_, status) in DYING.items()}
    failed_payout_before = payouts(db, failed_claim)
    assert [status for _, status, _, _ in failed_payout_before] == ["failed"]
    seat_claim = dying["retirement: aged 60"]
    with db.read_only() as session:
        assert live_interview(session, seat_claim) is not None
    before_staying = {claim_id: trail(db, claim_id) for claim_id in staying.values()}

    # the approved claim's participant dies too; the death claim's had died already
    deaths = {sample(label)["kpj"] for label in (*DYING, *STAYING)}
    report = import_participants(
        db, registry_reporting_deaths(tmp_path / "r.csv", deaths), IMPORTED_AT
    )

    assert report.ok and report.withdrawn == len(DYING)
    assert set(statuses(db, dying).values()) == {"cancelled"}
    for label, claim_id in dying.items():
        assert trail(db, claim_id)[-1] == (
            "withdraw_deceased",
            DYING[label][1],
            "cancelled",
            "system",
            "participant_deceased",
        )
        [told] = [m for m in notifications(db, claim_id) if m["template"] == "withdrawn_deceased"]
        assert told["params"] == {"documents": death_claim_documents(IMPORTED_AT)}
        assert told["to"] == sample(label)["email"]
    assert statuses(db, staying) == {
        "contract_end: contract ended yesterday": "approved",
        "death: deceased participant (heir claims)": "documents_pending",
        LIVING: "documents_pending",
    }
    assert {claim_id: trail(db, claim_id) for claim_id in staying.values()} == before_staying
    assert payouts(db, failed_claim) == failed_payout_before
    with db.read_only() as session:
        assert live_interview(session, seat_claim) is None
        seats = session.scalars(select(Interview).where(Interview.claim_id == seat_claim))
        assert [(i.status.value, i.holds_seat) for i in seats] == [("cancelled", False)]

    # Running again, by the job or another import, withdraws nothing and tells nobody twice.
    events = {claim_id: trail(db, claim_id) for claim_id in dying.values()}
    messages = {claim_id: notifications(db, claim_id) for claim_id in dying.values()}
    assert deceased_withdrawals(runtime, IMPORTED_AT + timedelta(minutes=1)) == 0
    again = import_participants(
        db, registry_reporting_deaths(tmp_path / "r2.csv", deaths), IMPORTED_AT
    )
    assert again.ok and again.withdrawn == 0
    assert {claim_id: trail(db, claim_id) for claim_id in dying.values()} == events
    assert {claim_id: notifications(db, claim_id) for claim_id in dying.values()} == messages


def test_after_the_withdrawal_the_heirs_can_open_the_death_claim(
    runtime: Runtime, tmp_path: Path
) -> None:
    label = "resignation: left 3 months ago"
    withdrawn = claim_in(runtime.db, label, ClaimReason.resignation, "documents_pending")
    deaths = registry_reporting_deaths(tmp_path / "r.csv", {sample(label)["kpj"]})
    import_participants(runtime.db, deaths, IMPORTED_AT)
    assert statuses(runtime.db, {label: withdrawn}) == {label: "cancelled"}
    heirs = create(runtime.db, new_claim_request(sample(label), ClaimReason.death), IMPORTED_AT)
    assert heirs.row["status"] == ClaimStatus.documents_pending


def test_the_minute_job_withdraws_a_death_recorded_without_an_import(runtime: Runtime) -> None:
    label = "termination: PHK 3 months ago"
    claim_id = claim_in(runtime.db, label, ClaimReason.termination, "under_review")
    assert deceased_withdrawals(runtime, LATER) == 0  # alive: nothing to do
    with runtime.db.unit_of_work() as session:
        session.get_one(Participant, sample(label)["kpj"]).deceased = True
    assert deceased_withdrawals(runtime, LATER) == 1
    assert trail(runtime.db, claim_id)[-1][0] == "withdraw_deceased"
    assert deceased_withdrawals(runtime, LATER + timedelta(minutes=1)) == 0
