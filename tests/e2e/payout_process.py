"""A payout dispatcher process for the fault tests, and the helpers that prepare and check them.

As a script (`python -m tests.e2e.payout_process --now ISO [--kills N]`), it runs the real
payout dispatcher against JHT_DATABASE_URL with the default (simulated) bank. With the
environment variable PAYOUT_KILL_AFTER_BANK=1 and `--kills N`, it forks N dispatcher processes
one after the other, and each kills itself with SIGKILL right after its first answer from the
bank and before the dispatcher commits that answer: the crash the reliability target is
about. Only this test script reads that variable; production code has just the `after_bank`
hook parameter, which nothing else passes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from claims.booking.outcomes import record_outcome
from claims.casework import applicant, decisions, facts
from claims.casework.audit import verify_chains
from claims.casework.review import DocumentDecision, review_documents
from claims.db import Database
from claims.models import Claim, ClaimEvent, OutboxMessage, Payout, SimulatedBankTransfer
from claims.payouts.dispatcher import dispatch_payouts
from claims.payouts.gateway import TransferResult
from claims.repositories.bookings import live_interview
from claims.runtime import open_runtime
from claims.settings import Settings
from tests.support import NOW, Staff, add_staff, create, submit_directly
from tests.support import new_claim_request as claim_request
from workflow.errors import WorkflowError
from workflow.payout_lifecycle import BankTransferStatus
from workflow.states import ClaimReason

KILL_VARIABLE = "PAYOUT_KILL_AFTER_BANK"
REPO = Path(__file__).resolve().parents[2]


def reasons_for(label: str) -> list[ClaimReason]:
    head = label.split(":", 1)[0].strip()
    if head in ClaimReason.__members__ and head != "death":
        return [ClaimReason(head)]
    if head == "everyday":
        return [ClaimReason.resignation, ClaimReason.contract_end]
    return []


def approve_one(
    db: Database,
    row: dict[str, str],
    reason: ClaimReason,
    staff: Staff,
    account: str,
    *,
    approve: bool = True,
) -> str | None:
    """Drives one claim through the service to `approved` (or `awaiting_approval`); None when
    the person cannot claim."""
    try:
        created = create(db, claim_request(row, reason))
    except (WorkflowError, AssertionError):
        return None
    claim_id = created.claim_id
    try:
        types = submit_directly(db, claim_id, row["full_name"], account=account)
        with db.unit_of_work() as session:
            claim = facts.get_claim(session, claim_id)
            review_documents(
                session, claim, staff.verifier, [DocumentDecision(t, True) for t in types], NOW
            )
            interview = live_interview(session, claim_id)
            assert interview is not None
            during = interview.starts_at + timedelta(minutes=5)
        with db.unit_of_work() as session:
            claim = facts.get_claim(session, claim_id)
            record_outcome(session, claim, staff.interviewer, "passed", None, None, during)
        if approve:
            with db.unit_of_work() as session:
                claim = facts.get_claim(session, claim_id)
                decisions.approve(session, claim, staff.approver, None, during)
    except WorkflowError:
        with db.unit_of_work() as session:
            claim = facts.get_claim(session, claim_id)
            if claim.status in ("documents_pending", "revision_requested"):
                applicant.cancel(session, claim, applicant.APPLICANT, NOW)
        return None
    return claim_id


def slow_or_plain(index: int) -> str:
    """Every third account ends in 9999 (the bank's first answer times out)."""
    return (
        f"{5_000_000_000 + index * 10_000 + 9_999}"
        if index % 3 == 0
        else f"{7_000_000_000 + index}"
    )


def approved_claims(
    db: Database, rows: list[dict[str, str]], count: int, account_for: object = None
) -> list[str]:
    """Up to `count` claims in `approved`, from the registry `rows` that can claim. Account
    numbers: `account_for(i)` or 10 digits ending in 9999 for every third (the slow account)."""
    staff: dict[str, Staff] = {}
    made: list[str] = []
    for row in rows:
        for reason in reasons_for(row.get("_label", "everyday")):
            if len(made) >= count:
                return made
            branch = row["_branch"]
            if branch not in staff:
                staff[branch] = add_staff(db, branch)
            index = len(made)
            account = account_for(index) if callable(account_for) else slow_or_plain(index)
            claim_id = approve_one(db, row, reason, staff[branch], account)
            if claim_id is not None:
                made.append(claim_id)
                break
    return made


@dataclass(frozen=True)
class LedgerCheck:
    payouts: int
    paid: int
    ledger_rows: int
    duplicate_references: int  # ledger references with more than one row
    resent_requests: int  # transfer requests beyond the first, over all references
    claims_paid_twice: int  # claims with more than one ledger row carried out
    confirm_events: Counter[str]
    broken_chains: int


def check_ledger(db: Database) -> LedgerCheck:
    with db.read_only() as session:
        payouts = list(session.scalars(select(Payout)))
        ledger = list(session.scalars(select(SimulatedBankTransfer)))
        claim_of = {p.reference: p.claim_id for p in payouts}
        by_reference = Counter(row.reference for row in ledger)
        done_by_claim = Counter(
            claim_of.get(row.reference) for row in ledger if row.status == BankTransferStatus.done
        )
        confirms = Counter(
            session.scalars(
                select(ClaimEvent.claim_id).where(ClaimEvent.trigger == "confirm_payout")
            )
        )
        _checked, broken = verify_chains(session)
    return LedgerCheck(
        payouts=len(payouts),
        paid=sum(1 for p in payouts if p.status == "paid"),
        ledger_rows=len(ledger),
        duplicate_references=sum(1 for n in by_reference.values() if n > 1),
        resent_requests=sum(row.requests - 1 for row in ledger),
        claims_paid_twice=sum(1 for n in done_by_claim.values() if n > 1),
        confirm_events=confirms,
        broken_chains=len(broken),
    )


def claim_statuses(db: Database, claim_ids: list[str]) -> Counter[str]:
    with db.read_only() as session:
        return Counter(session.scalars(select(Claim.status).where(Claim.id.in_(claim_ids))))


def open_payout_rows(db: Database) -> int:
    with db.read_only() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "payout", OutboxMessage.done_at.is_(None))
            )
            or 0
        )


def run_dispatcher(
    database_url: str, data_dir: Path, now: datetime, *, kills: int = 0, timeout: float = 600
) -> int:
    """Runs this script in a new process: with `kills`, that many dispatcher processes forked
    from it each die by SIGKILL between the bank's answer and their commit; without, one normal
    dispatcher run. Answers the number of dispatcher processes that were killed."""
    env = dict(os.environ)
    env.update(
        {
            "JHT_DATABASE_URL": database_url,
            "JHT_DATA_DIR": str(data_dir),
            "JHT_SCHEDULER": "off",
            "PYTHONPATH": str(REPO),
        }
    )
    env.pop(KILL_VARIABLE, None)
    if kills:
        env[KILL_VARIABLE] = "1"
    command = [sys.executable, "-m", "tests.e2e.payout_process", "--now", now.isoformat()]
    finished = subprocess.run(
        [*command, "--kills", str(kills)],
        cwd=REPO,
        env=env,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise RuntimeError(finished.stderr[-3000:])
    return int(finished.stdout.strip().splitlines()[-1])


def dispatch_once(now: datetime, kill: bool) -> None:
    """One dispatcher run in this process, over JHT_DATABASE_URL."""

    def die_before_commit(reference: str, result: TransferResult) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    runtime = open_runtime(Settings(), migrate=False)
    try:
        dispatch_payouts(runtime, now, after_bank=die_before_commit if kill else None)
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--now", required=True)
    parser.add_argument("--kills", type=int, default=0)
    options = parser.parse_args()
    now = datetime.fromisoformat(options.now)
    kill = os.environ.get(KILL_VARIABLE) == "1"
    if not (kill and options.kills):
        dispatch_once(now, kill=False)
        print(0)
        return
    # Each dispatcher is a child process forked from this one (the imports are done once); it
    # opens its own database connections and is killed at its first answer from the bank.
    killed = 0
    for _ in range(options.kills):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                dispatch_once(now, kill=True)
            except BaseException:
                code = 1
            os._exit(code)  # reached only when there was nothing left to send
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            killed += 1
        else:
            break
    print(killed)


if __name__ == "__main__":
    main()
