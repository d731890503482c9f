"""Claim creation and the whole lifecycle, create to paid, through the service layer (no HTTP;
documents attached as rows without content), over N claims (default 10,000).

Prints CPU milliseconds per claim (process time of this process, which includes SQLite's own
work since it runs in-process; target at most 25 ms for the whole lifecycle, quality.md) and
claims per second. Usage: python bench/bench_lifecycle.py [--claims 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from bench.common import record
from claims.booking.outcomes import record_outcome
from claims.casework import applicant, decisions, facts, intake
from claims.casework.review import DocumentDecision, review_documents
from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.models import Document, Participant, Payout
from claims.registry.importer import import_branches
from claims.registry.officers import add_officer
from claims.repositories.bookings import live_interview
from claims.repositories.claims import record_verification_attempt
from claims.sample_data import BRANCHES, branches_csv
from workflow.identifiers import make_nik
from workflow.states import Actor, ActorRole, ClaimReason

NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)
TARGET_CPU_MS = 25.0
INTERVIEWERS_PER_BRANCH = 8
# The service finds a payout by its reference (the outbox row's); the bench, by its claim.
_LIVE_PAYOUT = select(Payout).where(Payout.claim_id == bindparam("claim_id"), Payout.live.is_(True))


def live_payout(session: Session, claim_id: str) -> Payout | None:
    """The claim's live payout (at most one: a unique index over the live rows), or None."""
    return session.scalar(_LIVE_PAYOUT, {"claim_id": claim_id})


def seed(db: Database, count: int, folder: Path) -> dict[str, dict[str, Actor]]:
    (folder / "branches.csv").write_text(branches_csv())
    import_branches(db, folder / "branches.csv", NOW)
    staff: dict[str, dict[str, Actor]] = {}
    with db.unit_of_work() as session:
        for branch in BRANCHES:
            actors = {}
            for role in ("verifier", "approver", "finance"):
                officer, _ = add_officer(session, f"{role} {branch.code}", branch.code, [role], NOW)
                actors[role] = Actor(ActorRole(role), officer.id)
            for index in range(INTERVIEWERS_PER_BRANCH):
                officer, _ = add_officer(
                    session, f"pewawancara {index} {branch.code}", branch.code, ["interviewer"], NOW
                )
                actors.setdefault("interviewer", Actor(ActorRole.interviewer, officer.id))
            staff[branch.code] = actors
        rows = []
        for index in range(count):
            birth = date(1980, 1, 1) + timedelta(days=index % 5000)
            rows.append(
                Participant(
                    kpj=str(30_000_000_000 + index),
                    nik=make_nik(
                        31, 1 + index % 90, 1 + index % 90, birth, "M", 1 + index % 9000
                    ).value,
                    full_name=f"Peserta Uji {index}",
                    birth_date=birth,
                    gender="M",
                    membership_start=date(2015, 1, 1),
                    membership_status="inactive",
                    employer_name="PT Uji",
                    employment_end_date=date(2026, 6, 30),
                    balance=20_000_000 + index,
                    email=f"uji{index}@contoh.id",
                    phone="+6281234567890",
                    deceased=False,
                    balance_date=NOW.date(),
                    updated_at=NOW,
                )
            )
        session.add_all(rows)
    return staff


def lifecycle(db: Database, index: int, staff: dict[str, dict[str, Actor]]) -> float:
    """One claim from creation to paid; returns the CPU seconds spent creating it."""
    branch = BRANCHES[index % len(BRANCHES)].code
    birth = date(1980, 1, 1) + timedelta(days=index % 5000)
    request = intake.NewClaim(
        kpj=str(30_000_000_000 + index),
        nik=make_nik(31, 1 + index % 90, 1 + index % 90, birth, "M", 1 + index % 9000).value,
        full_name=f"Peserta Uji {index}",
        birth_date=birth,
        reason=ClaimReason.resignation,
        email=f"uji{index}@contoh.id",
        phone="081234567890",
        branch_code=branch,
    )
    started = time.process_time()
    checked = intake.check_form(request)
    # As claims.casework.opening does it: verification and creation in one unit of work.
    with db.unit_of_work() as session:
        participant = intake.verify_identity(session, checked)
        assert participant is not None
        record_verification_attempt(session, checked.kpj, "bench", True, NOW)
        claim_id = intake.create_claim(session, checked, participant, NOW).claim_id
    creation = time.process_time() - started
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        applicant.set_bank_account(
            session, claim, "014", f"{1_000_000_000 + index}", request.full_name, NOW
        )
        checklist = facts.claim_checklist(session, claim, facts.claim_participant(session, claim))
        types = [d.value for d in checklist.required]
        # The uploads themselves are excluded from the figure (quality.md: documents
        # excluded): their rows go in as one bulk INSERT, standing in for the upload requests.
        digests = [hashlib.sha256(f"{claim_id}{t}".encode()).hexdigest() for t in types]
        session.connection().execute(
            insert(Document),
            [
                {
                    "claim_id": claim_id,
                    "doc_type": doc_type,
                    "status": "uploaded",
                    "storage_key": digest,
                    "sha256": digest,
                    "size_bytes": 1,
                    "pages": 1,
                    "uploaded_at": NOW,
                }
                for doc_type, digest in zip(types, digests, strict=True)
            ],
        )
        applicant.submit(session, claim, NOW)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        review_documents(
            session,
            claim,
            staff[branch]["verifier"],
            [DocumentDecision(t, True) for t in types],
            NOW,
        )
        interview = live_interview(session, claim_id)
        assert interview is not None
        during = interview.starts_at + timedelta(minutes=1)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        record_outcome(session, claim, staff[branch]["interviewer"], "passed", None, None, during)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        decisions.approve(session, claim, staff[branch]["approver"], None, during)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        payout = live_payout(session, claim_id)
        assert payout is not None
        confirm_paid(session, claim, payout, during)
    return creation


def confirm_paid(session, claim, payout, now) -> None:  # type: ignore[no-untyped-def]
    """What the payout dispatcher does when the bank confirms (the bank itself excluded)."""
    from claims.payouts.service import confirm_payout

    confirm_payout(session, payout, Actor(ActorRole.system), f"BANK-{payout.reference}", now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jht-bench-lifecycle-"))
    url = arguments.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    db = Database(url, background_checkpoints=True)  # as the server runs it
    upgrade_to_head(db.engine)
    staff = seed(db, arguments.claims, folder)
    creation_cpu = 0.0
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    for index in range(arguments.claims):
        creation_cpu += lifecycle(db, index, staff)
    cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - wall_started
    count = arguments.claims
    details = {"claims": count, "database": url.split(":")[0], "wall_seconds": round(wall, 2)}
    record("claim_creation_cpu_ms", creation_cpu / count * 1000, "ms/claim", details=details)
    record(
        "lifecycle_cpu_ms",
        cpu / count * 1000,
        "ms/claim",
        ratio=cpu / count * 1000 / TARGET_CPU_MS,
        target=1.0,
        details=details,
    )
    record("lifecycle_claims_per_second", count / wall, "claims/s", details=details)
    db.dispose()


if __name__ == "__main__":
    main()
