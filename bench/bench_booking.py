"""Booking benchmark (issue 5): 10,000 interview bookings across the sample branches through
the service layer in at most 10 s, then a check by query that no slot is over capacity
and no seat is held twice.

Usage: python bench/bench_booking.py [--bookings 10000] [--interviewers 5] [--batch 1]
                                     [--database-url URL]

By default each claim is booked with `book_earliest_slot` in its own committed transaction,
as the document review books a claim whose documents are all accepted.
`--batch N` books N claims per transaction through `book_earliest_slots` (batch_booking.py)
instead (each branch's calendar, interviewers and seats read once per batch), as a batch
import would.

SQLite in a fresh temporary file by default; with --database-url (PostgreSQL), a fresh schema
created before and dropped after the run. The claims are inserted in bulk beforehand (not
timed): the benchmark is about booking, not about claim creation.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from batch_booking import book_earliest_slots
from common import record
from sqlalchemy import create_engine, func, insert, select, text

from claims.booking.book import book_earliest_slot
from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.models import Claim, Interview, Officer, Participant
from claims.registry.importer import import_branches
from claims.registry.officers import add_officer
from claims.sample_data import BRANCHES, write_samples

TARGET_SECONDS = 10.0
NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB


def with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def prepare(db: Database, folder: Path, bookings: int, interviewers: int) -> list[str]:
    """Branches (the real importer), interviewers (the real service), claims (bulk insert)."""
    write_samples(folder, NOW.date())
    import_branches(db, folder / "branches.csv", NOW)
    codes = [b.code for b in BRANCHES]
    with db.unit_of_work() as session:
        for code in codes:
            for n in range(interviewers):
                add_officer(session, f"pewawancara {code} {n}", code, ["interviewer"], NOW)
    participants, claims = [], []
    for n in range(bookings):
        kpj = str(80_000_000_000 + n)
        participants.append(
            {
                "kpj": kpj,
                "nik": "3171010101900001",
                "full_name": f"Peserta Bench {n}",
                "birth_date": date(1990, 1, 1),
                "gender": "F",
                "membership_start": date(2015, 1, 1),
                "membership_status": "inactive",
                "employer_name": "PT Bench",
                "employment_end_date": date(2026, 1, 1),
                "balance": 10_000_000,
                "email": "bench@contoh.id",
                "phone": "+6281200000000",
                "deceased": False,
                "balance_date": NOW.date(),
                "updated_at": NOW,
            }
        )
        claims.append(
            {
                "id": str(uuid.uuid4()),
                "reference": f"JHT-B-{n:08d}",
                "kpj": kpj,
                "reason": "resignation",
                "status": "under_review",
                "version": 1,
                "branch_code": codes[n % len(codes)],
                "rules_version": "2022-04-26",
                "access_token_hash": secrets.token_hex(32),
                "email": "bench@contoh.id",
                "phone": "+6281200000000",
                "language": "id",
                "balance_snapshot": 10_000_000,
                "reschedules_used": 0,
                "misses": 0,
                "sla_used_seconds": 0,
                "created_at": NOW,
                "updated_at": NOW,
                "last_activity_at": NOW,
            }
        )
    with db.unit_of_work() as session:
        session.execute(insert(Participant), participants)
        session.execute(insert(Claim), claims)
    return [c["id"] for c in claims]


def book_all(db: Database, claim_ids: list[str], batch: int = 1) -> int:
    """batch 1: each claim booked through book_earliest_slot in its own committed
    transaction, as the document review books the claim it has in hand (all the claims are
    read by one query first, inside the timing); batch N: N claims per transaction through
    book_earliest_slots (a branch's calendar, interviewers and seats read once per batch)."""
    if batch == 1:
        with db.read_only() as session:
            by_id = {claim.id: claim for claim in session.scalars(select(Claim))}
        booked = 0
        for claim_id in claim_ids:
            with db.unit_of_work() as session:
                claim = by_id[claim_id]
                session.add(claim)  # unchanged since it was read: no statement
                booked += book_earliest_slot(session, claim, NOW) is not None
        return booked
    booked = 0
    for first in range(0, len(claim_ids), batch):
        chunk = claim_ids[first : first + batch]
        with db.unit_of_work() as session:
            claims = list(session.scalars(select(Claim).where(Claim.id.in_(chunk))))
            booked += sum(i is not None for i in book_earliest_slots(session, claims, NOW))
    return booked


def verify(db: Database, interviewers: int) -> tuple[int, int, int]:
    """(bookings held, slots over capacity, seats held twice), by query."""
    with db.read_only() as session:
        held = session.scalar(
            select(func.count()).select_from(Interview).where(Interview.holds_seat.is_(True))
        )
        capacity = dict(
            session.execute(
                select(Officer.branch_code, func.count())
                .where(Officer.active.is_(True), Officer.roles.contains("interviewer"))
                .group_by(Officer.branch_code)
            ).all()
        )
        per_slot = session.execute(
            select(Interview.branch_code, Interview.starts_at, func.count())
            .where(Interview.holds_seat.is_(True))
            .group_by(Interview.branch_code, Interview.starts_at)
        ).all()
        over = sum(1 for branch, _, n in per_slot if n > capacity.get(branch, interviewers))
        doubled = session.scalar(
            select(func.count()).select_from(
                select(Interview.branch_code, Interview.starts_at, Interview.seat)
                .where(Interview.holds_seat.is_(True))
                .group_by(Interview.branch_code, Interview.starts_at, Interview.seat)
                .having(func.count() > 1)
                .subquery()
            )
        )
    return int(held or 0), over, int(doubled or 0)


def run(url: str, backend: str, bookings: int, interviewers: int, folder: Path, batch: int) -> bool:
    db = Database(url, background_checkpoints=True)  # as the server runs it
    try:
        upgrade_to_head(db.engine)
        claim_ids = prepare(db, folder, bookings, interviewers)
        started, cpu_started = time.perf_counter(), time.process_time()
        booked = book_all(db, claim_ids, batch)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        held, over, doubled = verify(db, interviewers)
    finally:
        db.dispose()
    scaled = seconds * 10_000 / bookings
    ratio = scaled / TARGET_SECONDS
    ok = booked == bookings == held and over == 0 and doubled == 0
    verdict = "PASS" if ratio <= 1 and ok else "MISS"
    print(
        f"booking_10k_seconds {scaled:.2f} (target <= {TARGET_SECONDS:g}) {verdict} "
        f"ratio {ratio:.3f} [{backend}: {bookings} bookings in {seconds:.2f} s, "
        f"{bookings / seconds:.0f}/s, {batch} per transaction, process CPU {cpu_seconds:.2f} s; "
        f"booked {booked}, held {held}, "
        f"slots over capacity {over}, seats held twice {doubled}]",
        flush=True,
    )
    record(
        f"booking_10k_seconds_{backend}_{'single' if batch == 1 else f'batch{batch}'}",
        scaled,
        "s",
        ratio=ratio,
        target=1.0,
        details={
            "bookings": bookings,
            "branches": len(BRANCHES),
            "interviewers_per_branch": interviewers,
            "booked": booked,
            "bookings_per_transaction": batch,
            "process_cpu_seconds": round(cpu_seconds, 3),
            "over_capacity_slots": over,
            "seats_held_twice": doubled,
        },
    )
    return verdict == "PASS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--interviewers", type=int, default=5, help="per branch")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="bookings per committed transaction: 1 = book_earliest_slot one by one "
        "(the default), N > 1 = book_earliest_slots in batches of N",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jht-bench-booking-") as tmp:
        folder = Path(tmp)
        if not args.database_url:
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
            passed = run(
                url, "sqlite", args.bookings, args.interviewers, folder / "samples", args.batch
            )
            return 0 if passed else 1
        schema = f"jht_bench_{secrets.token_hex(4)}"
        admin = create_engine(args.database_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            ok = run(
                with_schema(args.database_url, schema),
                "postgresql",
                args.bookings,
                args.interviewers,
                folder / "samples",
                args.batch,
            )
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
