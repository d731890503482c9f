"""The tax of a claim read from the person's real history: the payouts already made to them
(any KPJ of the NIK) count together with it in the calendar year of the first and the next
(the Jakarta day the first payout was made), the progressive rates apply from the third; a
replacement payout (new bank account) pays the figures fixed at approval."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from claims.casework import applicant, facts
from claims.db import Database
from claims.models import Claim, Participant, Payout
from claims.repositories.claims import new_claim_row
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import NOW, add_staff, developed, flat_tax, load_samples, sample
from workflow.states import ClaimStatus

JUTA = 1_000_000
ROW = "resignation: balance 80.000.000 (tax example)"
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def approved(db: Database, tmp_path: Path) -> tuple[Database, str]:
    """The sample's resignation claim approved (its payout of Rp 80 juta, tax Rp 1,5 juta)."""
    load_samples(db, tmp_path / "samples")
    row = sample(ROW)
    claim_id = approve_one(
        db, row, reasons_for(row["_label"])[0], add_staff(db, row["_branch"]), "1234567890"
    )
    assert claim_id is not None
    return db, claim_id


def _payout(db: Database, claim_id: str) -> Payout:
    with db.read_only() as session:
        payout = session.scalar(
            select(Payout).where(Payout.claim_id == claim_id, Payout.live.is_(True))
        )
        assert payout is not None
        return payout


def _later_claim(db: Database, first_claim_id: str, first_paid_at: datetime, on: datetime) -> str:
    """The first claim paid (its payout made and confirmed at `first_paid_at`) and a later
    claim on the same KPJ, written straight into the tables, with a statement of Rp 540 juta
    on `on`'s day (after the first payment, so it is in the statement): what the later claim
    pays on `on`."""
    with db.unit_of_work() as session:
        session.execute(
            update(Payout)
            .where(Payout.claim_id == first_claim_id)
            .values(status="paid", created_at=first_paid_at, paid_at=first_paid_at)
        )
        session.execute(
            update(Claim).where(Claim.id == first_claim_id).values(status=ClaimStatus.paid.value)
        )
        first = session.get(Claim, first_claim_id)
        assert first is not None
        row = new_claim_row()
        row.update({c.key: getattr(first, c.key) for c in Claim.__table__.columns})
        row.update(
            id="00000000-0000-0000-0000-000000000540",
            reference="JHT-TEST-540",
            status=ClaimStatus.awaiting_approval.value,
            access_token_hash="5" * 64,
            balance_snapshot=540 * JUTA,
        )
        session.execute(insert(Claim), row)
        session.execute(
            update(Participant)
            .where(Participant.kpj == first.kpj)
            .values(balance=540 * JUTA, balance_date=on.astimezone(JAKARTA).date())
        )
        return str(row["id"])


@pytest.mark.parametrize(
    ("first_paid_at", "on", "tax", "progressive"),
    [
        # paid in 2026; the rest in 2027: flat, the Rp 50 juta used by the first payment
        (
            datetime(2026, 11, 16, 3, tzinfo=UTC),
            datetime(2027, 11, 30, 3, tzinfo=UTC),
            27 * JUTA,
            False,
        ),
        # ... in 2028: progressive, 3 + 28.5 + 62.5 + 12
        (
            datetime(2026, 11, 16, 3, tzinfo=UTC),
            datetime(2028, 1, 3, 3, tzinfo=UTC),
            106 * JUTA,
            True,
        ),
        # 17:30 UTC on 31 December 2026 is 1 January 2027 in Jakarta: 2028 is still the next
        # calendar year
        (
            datetime(2026, 12, 31, 17, 30, tzinfo=UTC),
            datetime(2028, 12, 31, 16, tzinfo=UTC),
            27 * JUTA,
            False,
        ),
        (
            datetime(2026, 12, 31, 17, 30, tzinfo=UTC),
            datetime(2029, 1, 1, 3, tzinfo=UTC),
            106 * JUTA,
            True,
        ),
    ],
)
def test_the_estimate_counts_the_earlier_payouts_by_their_day(
    approved: tuple[Database, str],
    first_paid_at: datetime,
    on: datetime,
    tax: int,
    progressive: bool,
) -> None:
    db, first_claim_id = approved
    later_id = _later_claim(db, first_claim_id, first_paid_at, on)
    # Read alone and with the claim (the claim context's one statement): the same answer.
    for read_with_claim in (False, True):
        with db.read_only() as session:
            claim = facts.get_claim(session, later_id) if read_with_claim else None
            if claim is None:
                claim = session.get(Claim, later_id)
            assert claim is not None
            figures = facts.claim_estimate(
                session, claim, facts.claim_participant(session, claim), on
            )
        assert (figures.gross, figures.tax, figures.progressive) == (540 * JUTA, tax, progressive)


def test_a_replacement_payout_pays_the_approved_figures(approved: tuple[Database, str]) -> None:
    db, claim_id = approved
    first = _payout(db, claim_id)
    gross = developed(80 * JUTA, NOW, first.created_at)
    assert (first.gross, first.tax, first.net) == (gross, flat_tax(gross), gross - flat_tax(gross))
    # The figures fixed at approval differ from what a new computation would give today.
    with db.unit_of_work() as session:
        session.execute(
            update(Payout)
            .where(Payout.id == first.id)
            .values(status="failed", tax=1_234_567, net=first.gross - 1_234_567)
        )
        session.execute(
            update(Claim).where(Claim.id == claim_id).values(status=ClaimStatus.payout_failed.value)
        )
    later = datetime(2029, 3, 1, 3, tzinfo=UTC)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        assert claim.account_holder is not None
        applicant.set_bank_account(session, claim, "002", "9876543210", claim.account_holder, later)
    replacement = _payout(db, claim_id)
    assert replacement.reference != first.reference
    assert (replacement.gross, replacement.tax, replacement.net) == (
        gross,
        1_234_567,
        gross - 1_234_567,
    )
