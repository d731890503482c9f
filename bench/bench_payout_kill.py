"""Reliability figure (quality.md): the payout dispatcher killed with SIGKILL between the
bank's answer and its own commit, 100 times; then 0 duplicate transfers and every payout
`paid` after a restart, found by a status inquiry with the same reference.

Usage: python bench/bench_payout_kill.py [--kills 100] [--postgres URL]

It builds approved claims from the synthetic samples (about 45), kills one dispatcher at the
answer to each payout's first transfer (every third account ends in 9999: its transfer times
out and the kill comes after the inquiry that settles it), then keeps killing dispatchers at
the answer to the recovery inquiry until the kill count is reached, and finally runs one normal
dispatcher. The dispatchers are processes forked by tests/e2e/payout_process.py. Prints the
kills, the duplicates found in the simulated bank's ledger (references with more than one
row, claims paid twice, repeated transfer requests), the payouts paid, and the time taken.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import record

from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.sample_data import participant_rows
from tests.e2e.payout_process import (
    approved_claims,
    check_ledger,
    claim_statuses,
    run_dispatcher,
)
from tests.support import NOW, SAMPLE_DAY, load_samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--postgres", help="postgresql+psycopg://... (a throwaway schema is used)")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-payout-kill-"))
    schema = None
    if options.postgres:
        schema = f"bench_kill_{secrets.token_hex(4)}"
        with create_engine(options.postgres).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{options.postgres}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    db = Database(url)
    try:
        upgrade_to_head(db.engine)
        load_samples(db, folder / "samples")
        claim_ids = approved_claims(db, participant_rows(SAMPLE_DAY), options.kills)
        print(f"approved claims: {len(claim_ids)}", flush=True)
        started = time.perf_counter()
        moment = NOW + timedelta(days=40)
        kills = run_dispatcher(url, folder, moment, kills=min(options.kills, len(claim_ids)))
        rounds = 0
        while kills < options.kills:
            rounds += 1
            moment += timedelta(minutes=2)  # past the dead dispatchers' leases
            wanted = min(options.kills - kills, len(claim_ids))
            killed = run_dispatcher(url, folder, moment, kills=wanted)
            if killed == 0:
                break
            kills += killed
        run_dispatcher(url, folder, moment + timedelta(minutes=10))
        seconds = time.perf_counter() - started
        final = check_ledger(db)
        statuses = claim_statuses(db, claim_ids)
    finally:
        db.dispose()
        if schema and options.postgres:
            with create_engine(options.postgres).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    duplicates = final.duplicate_references + final.claims_paid_twice
    details = {
        "database": "postgresql" if options.postgres else "sqlite",
        "payouts": final.payouts,
        "paid": final.paid,
        "ledger_rows": final.ledger_rows,
        "duplicate_references": final.duplicate_references,
        "claims_paid_twice": final.claims_paid_twice,
        "repeated_transfer_requests": final.resent_requests,
        "claim_statuses": dict(statuses),
        "seconds": round(seconds, 1),
    }
    record("payout_kill_kills", kills, "kills", details=details)
    # Counts whose target is zero: the "ratio" is the count itself.
    record(
        "payout_kill_duplicate_transfers",
        duplicates,
        "transfers",
        ratio=float(duplicates),
        target=0,
        details=details,
    )
    record("payout_kill_repeated_transfer_requests", final.resent_requests, "requests")
    unpaid = final.payouts - final.paid
    record("payout_kill_unpaid_payouts", unpaid, "payouts", ratio=float(unpaid), target=0)
    record("payout_kill_seconds", seconds, "s")
    ok = (
        kills >= options.kills
        and duplicates == 0
        and final.resent_requests == 0
        and final.paid == final.payouts == len(claim_ids)
        and statuses == {"paid": len(claim_ids)}
    )
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
