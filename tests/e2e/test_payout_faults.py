"""Payout faults with real processes: dispatchers killed by SIGKILL between the bank's answer
and their own commit, then a normal dispatcher run; the simulated bank's ledger shows every
payout carried out exactly once, found again by a status inquiry with the same reference."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from claims.db import Database
from claims.sample_data import participant_rows
from tests.e2e.payout_process import (
    approved_claims,
    check_ledger,
    claim_statuses,
    open_payout_rows,
    run_dispatcher,
)
from tests.support import NOW, SAMPLE_DAY, load_samples

PAYOUTS = 20
FIRST_SEND_KILLS = (
    20  # one per payout, at the answer to its first transfer (or its timeout's inquiry)
)
RECOVERY_KILLS = 6  # then again at the answer to the recovery's inquiry
LATER = NOW + timedelta(days=40)  # after every interview of the approved claims


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_dispatcher_killed_between_bank_answer_and_commit(
    db: Database, database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    load_samples(db, tmp_path / "samples")
    claim_ids = approved_claims(db, participant_rows(SAMPLE_DAY), PAYOUTS)
    assert len(claim_ids) == PAYOUTS

    # Each killed dispatcher holds its row's lease, so the next one takes the next payout.
    killed = run_dispatcher(database_url, data_dir, LATER, kills=FIRST_SEND_KILLS)
    assert killed == FIRST_SEND_KILLS
    after_kills = check_ledger(db)
    # The bank carried out every transfer; none of those answers was committed by us.
    assert (after_kills.ledger_rows, after_kills.paid) == (PAYOUTS, 0)
    assert claim_statuses(db, claim_ids) == {"approved": PAYOUTS}

    # After the leases ran out: dispatchers that die right after the recovery's inquiry.
    killed_again = run_dispatcher(
        database_url, data_dir, LATER + timedelta(minutes=2), kills=RECOVERY_KILLS
    )
    assert killed_again == RECOVERY_KILLS

    # A normal dispatcher settles everything by inquiry, sending nothing twice.
    assert run_dispatcher(database_url, data_dir, LATER + timedelta(minutes=10)) == 0
    final = check_ledger(db)
    print(
        f"payout kills: {killed + killed_again}, ledger rows: {final.ledger_rows}, "
        f"duplicate references: {final.duplicate_references}, "
        f"repeated transfer requests: {final.resent_requests}"
    )
    assert final.payouts == final.paid == final.ledger_rows == PAYOUTS
    assert final.duplicate_references == 0
    assert final.claims_paid_twice == 0
    # Never a blind resend: every transfer request after a crash was preceded by an inquiry
    # that found it, so the bank saw exactly one request per reference.
    assert final.resent_requests == 0
    assert sorted(final.confirm_events.values()) == [1] * PAYOUTS
    assert final.broken_chains == 0
    assert claim_statuses(db, claim_ids) == {"paid": PAYOUTS}
    assert open_payout_rows(db) == 0
