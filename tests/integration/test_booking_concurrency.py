"""No double booking under concurrency: many transactions book claims of one branch at once;
the partial unique index uq_interviews_seat decides every race, the losers retry in a
savepoint, and every booking still lands in the earliest slots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.batch_booking import book_earliest_slots
from claims.db import Database
from claims.models import Claim, Interview
from tests.concurrency import all_at_once
from tests.integration.test_booking import book, bulk_claims, interviewers
from tests.support import NOW, load_samples

THREADS = 30
BRANCH = "JKT-SLB"


def book_all_at_once(db: Database, claim_ids: list[str]) -> None:
    def run(claim_id: str) -> None:
        if book(db, claim_id) is None:
            raise AssertionError(f"claim {claim_id} got no slot")

    all_at_once(run, claim_ids)


def check_no_double_booking(db: Database, claim_ids: list[str], capacity: int) -> None:
    with db.read_only() as session:
        rows = session.execute(
            select(Interview.claim_id, Interview.starts_at, Interview.seat).where(
                Interview.holds_seat.is_(True)
            )
        ).all()
    assert sorted(r.claim_id for r in rows) == sorted(claim_ids)  # one booking each
    seats = Counter((r.starts_at, r.seat) for r in rows)
    assert max(seats.values()) == 1, "a seat is held twice"
    per_slot = Counter(r.starts_at for r in rows)
    assert max(per_slot.values()) <= capacity
    # Earliest first: the bookings fill exactly the first len/capacity slots, each to capacity.
    assert sorted(per_slot.values()) == [capacity] * (len(claim_ids) // capacity)
    assert all(r.seat < capacity for r in rows)


@pytest.mark.postgres
def test_thirty_bookers_at_once_on_postgres_never_share_a_seat(
    db: Database, tmp_path: Path
) -> None:
    load_samples(db, tmp_path / "samples")
    interviewers(db, BRANCH, 2)
    claim_ids = bulk_claims(db, BRANCH, THREADS)
    book_all_at_once(db, claim_ids)
    check_no_double_booking(db, claim_ids, 2)


def test_concurrent_bookers_on_either_database(db: Database, tmp_path: Path) -> None:
    # SQLite serialises writers (BEGIN IMMEDIATE); PostgreSQL races and the index decides.
    load_samples(db, tmp_path / "samples")
    interviewers(db, BRANCH, 3)
    claim_ids = bulk_claims(db, BRANCH, 12)
    book_all_at_once(db, claim_ids)
    check_no_double_booking(db, claim_ids, 3)


def test_concurrent_batches_never_share_a_seat(db: Database, tmp_path: Path) -> None:
    load_samples(db, tmp_path / "samples")
    interviewers(db, BRANCH, 2)
    claim_ids = bulk_claims(db, BRANCH, 36)
    batches = [claim_ids[n : n + 6] for n in range(0, len(claim_ids), 6)]

    def run(batch: list[str]) -> None:
        with db.unit_of_work() as session:
            claims = [session.get(Claim, c) for c in batch]
            made = book_earliest_slots(session, [c for c in claims if c is not None], NOW)
        if any(m is None for m in made):
            raise AssertionError("a claim of the batch got no slot")

    all_at_once(run, batches)
    check_no_double_booking(db, claim_ids, 2)
