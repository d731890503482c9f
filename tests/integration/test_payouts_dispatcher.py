"""The payout path on a real database: approval creates one payout, the dispatcher pays it
through the simulated bank exactly once (timeouts settled by inquiry, crashes recovered by
inquiry first, refusals to payout_failed and a new reference for a new account), a crash
inside a transition leaves nothing, and concurrent approvals make one payout."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from claims.casework import applicant, decisions, facts
from claims.clock import Clock
from claims.db import Database
from claims.errors import ConcurrentChange
from claims.models import Claim, ClaimEvent, OutboxMessage, Payout, SimulatedBankTransfer
from claims.payouts.dispatcher import dispatch_payouts
from claims.payouts.gateway import BankTimeout, HolderAnswer, HttpBankGateway, TransferResult
from claims.payouts.simulated_bank import SimulatedBank
from claims.runtime import Runtime
from claims.settings import Settings
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import NOW, Staff, add_staff, developed, flat_tax, load_samples, sample
from workflow.errors import TransitionNotAllowed
from workflow.payout_lifecycle import BankTransferStatus

LATER = NOW + timedelta(days=40)
ROW = "resignation: balance 80.000.000"


@pytest.fixture
def runtime(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[Runtime]:
    load_samples(db, tmp_path / "samples")
    settings = Settings(database_url=db.url, data_dir=data_dir, scheduler=False)
    yield Runtime(settings=settings, db=db, clock=Clock())


def approved(db: Database, account: str, label: str = ROW, *, approve: bool = True) -> str:
    row = sample(label)
    staff = add_staff(db, row["_branch"])
    claim_id = approve_one(db, row, reasons_for(row["_label"])[0], staff, account, approve=approve)
    assert claim_id is not None
    return claim_id


def payouts_of(db: Database, claim_id: str) -> list[Payout]:
    with db.read_only() as session:
        return list(
            session.scalars(select(Payout).where(Payout.claim_id == claim_id).order_by(Payout.id))
        )


def ledger(db: Database) -> list[SimulatedBankTransfer]:
    with db.read_only() as session:
        return list(
            session.scalars(select(SimulatedBankTransfer).order_by(SimulatedBankTransfer.id))
        )


def claim_of(db: Database, claim_id: str) -> Claim:
    with db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim


def triggers(db: Database, claim_id: str) -> list[tuple[str, str]]:
    with db.read_only() as session:
        rows = session.execute(
            select(ClaimEvent.trigger, ClaimEvent.actor_role)
            .where(ClaimEvent.claim_id == claim_id)
            .order_by(ClaimEvent.seq)
        )
        return [(t, a) for t, a in rows]


def templates(db: Database, claim_id: str) -> list[str]:
    with db.read_only() as session:
        messages = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_id == claim_id, OutboxMessage.kind == "notification")
            .order_by(OutboxMessage.id)
        )
        return [m.payload["template"] for m in messages]


class Recording:
    """Wraps a bank and writes down every call, to see what the dispatcher asked."""

    def __init__(self, bank: Any, fail_transfers: int = 0, silent_holders: int = 0) -> None:
        self.bank = bank
        self.calls: list[tuple[str, str]] = []
        self.fail_transfers = fail_transfers
        self.silent_holders = silent_holders  # account-name inquiries that time out

    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        self.calls.append(("transfer", reference))
        if self.fail_transfers:
            self.fail_transfers -= 1
            raise ConnectionError("connection reset before the request reached the bank")
        result: TransferResult = self.bank.transfer(
            reference, bank_code, account_number, holder, amount
        )
        return result

    def inquire(self, reference: str) -> TransferResult:
        self.calls.append(("inquire", reference))
        result: TransferResult = self.bank.inquire(reference)
        return result

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        self.calls.append(("holder", reference))
        if self.silent_holders:
            self.silent_holders -= 1
            raise BankTimeout("no answer to the account-name inquiry")
        answer: HolderAnswer = self.bank.account_holder(reference, bank_code, account_number)
        return answer


def test_approval_makes_one_payout_with_a_snapshot_and_an_outbox_row(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890")
    [payout] = payouts_of(runtime.db, claim_id)
    claim = claim_of(runtime.db, claim_id)
    # The account on the approval day: the statement of the import day, developed.
    gross = developed(80_000_000, NOW, payout.created_at)
    assert (payout.gross, payout.tax, payout.net) == (
        gross,
        flat_tax(gross),
        gross - flat_tax(gross),
    )
    assert (payout.bank_code, payout.account_number, payout.account_holder) == (
        claim.bank_code,
        claim.account_number,
        claim.account_holder,
    )
    assert payout.status == "pending" and payout.reference == f"{claim.reference}-P1"
    with runtime.db.read_only() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payout")))
    assert [r.payload["reference"] for r in rows] == [payout.reference]


def test_dispatcher_pays_once_and_tells_the_applicant(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890")
    assert dispatch_payouts(runtime, LATER) == 1
    [payout] = payouts_of(runtime.db, claim_id)
    assert payout.status == "paid" and payout.bank_reference and payout.attempts == 1
    assert claim_of(runtime.db, claim_id).status == "paid"
    assert triggers(runtime.db, claim_id)[-1] == ("confirm_payout", "system")
    assert templates(runtime.db, claim_id)[-1] == "paid"
    assert dispatch_payouts(runtime, LATER + timedelta(hours=1)) == 0
    [row] = ledger(runtime.db)
    assert (row.reference, row.status, row.requests, row.amount) == (
        payout.reference,
        BankTransferStatus.done,
        1,
        payout.net,
    )


def test_a_timeout_is_settled_by_an_inquiry_not_a_second_transfer(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234569999")
    bank = Recording(SimulatedBank(runtime.db))
    assert dispatch_payouts(runtime, LATER, gateway=bank) == 1
    [payout] = payouts_of(runtime.db, claim_id)
    assert bank.calls == [
        ("holder", payout.reference),
        ("transfer", payout.reference),
        ("inquire", payout.reference),
    ]
    assert payout.status == "paid" and claim_of(runtime.db, claim_id).status == "paid"
    [row] = ledger(runtime.db)
    assert row.requests == 1


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it on the way."""


def test_after_a_crash_the_next_run_inquires_before_anything_else(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890")

    def crash(reference: str, result: TransferResult) -> None:
        raise Crash

    with pytest.raises(Crash):
        dispatch_payouts(runtime, LATER, after_bank=crash)
    [payout] = payouts_of(runtime.db, claim_id)
    assert payout.status == "sent" and len(ledger(runtime.db)) == 1
    # The lease of the dead run still holds the row...
    assert dispatch_payouts(runtime, LATER + timedelta(seconds=10)) == 0
    # ...and once it ran out, the next run asks the bank first and sends nothing.
    bank = Recording(SimulatedBank(runtime.db))
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=5), gateway=bank) == 1
    assert bank.calls == [("inquire", payout.reference)]
    assert payouts_of(runtime.db, claim_id)[0].status == "paid"
    assert [r.requests for r in ledger(runtime.db)] == [1]


def test_a_transfer_the_bank_never_got_is_sent_again_under_the_same_reference(
    runtime: Runtime,
) -> None:
    claim_id = approved(runtime.db, "1234567890")
    bank = Recording(SimulatedBank(runtime.db), fail_transfers=1)
    assert dispatch_payouts(runtime, LATER, gateway=bank) == 1
    [payout] = payouts_of(runtime.db, claim_id)
    assert payout.status == "unknown" and ledger(runtime.db) == []
    assert claim_of(runtime.db, claim_id).status == "approved"
    assert dispatch_payouts(runtime, LATER + timedelta(seconds=5), gateway=bank) == 0  # later
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    reference = payout.reference
    # The holder was asked before the first transfer only, not before it was sent again.
    assert bank.calls == [
        ("holder", reference),
        ("transfer", reference),
        ("inquire", reference),
        ("inquire", reference),
        ("transfer", reference),
    ]
    [payout] = payouts_of(runtime.db, claim_id)
    assert payout.status == "paid" and payout.attempts == 2
    assert [(r.reference, r.requests) for r in ledger(runtime.db)] == [(reference, 1)]


def assert_applicant_told_of_failure(runtime: Runtime, claim_id: str) -> None:
    """The claim waits for the applicant, who was told (fail_payout by the system)."""
    assert claim_of(runtime.db, claim_id).status == "payout_failed"
    assert triggers(runtime.db, claim_id)[-1] == ("fail_payout", "system")
    assert templates(runtime.db, claim_id)[-1] == "payout_failed"


def give_own_account(runtime: Runtime, claim_id: str) -> None:
    """The applicant's new account, in the holder's name, at bank 008."""
    holder = claim_of(runtime.db, claim_id).account_holder
    assert holder is not None
    with runtime.db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        applicant.set_bank_account(session, claim, "008", "9876543210", holder, LATER)


def test_a_closed_account_fails_and_a_new_account_gets_a_new_reference(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234560000")
    assert dispatch_payouts(runtime, LATER) == 1
    [failed] = payouts_of(runtime.db, claim_id)
    assert (failed.status, failed.failure_reason) == ("failed", "account_closed")
    assert_applicant_told_of_failure(runtime, claim_id)
    give_own_account(runtime, claim_id)
    assert claim_of(runtime.db, claim_id).status == "approved"
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1)) == 1
    first, second = payouts_of(runtime.db, claim_id)
    assert second.reference.endswith("-P2") and second.reference != first.reference
    assert (first.status, first.live, second.status, second.live) == ("failed", False, "paid", True)
    assert (second.bank_code, second.account_number) == ("008", "9876543210")
    assert claim_of(runtime.db, claim_id).status == "paid"
    assert [(r.reference, r.status) for r in ledger(runtime.db)] == [
        (first.reference, BankTransferStatus.refused),
        (second.reference, BankTransferStatus.done),
    ]


def test_an_account_the_bank_names_for_someone_else_is_never_paid(runtime: Runtime) -> None:
    # The holder typed at entry is the claimant's name; the bank says the account is not.
    claim_id = approved(runtime.db, "1234568888")
    assert dispatch_payouts(runtime, LATER) == 1
    [failed] = payouts_of(runtime.db, claim_id)
    assert (failed.status, failed.failure_reason, failed.attempts) == (
        "failed",
        "bank_account_not_own",
        0,
    )
    assert ledger(runtime.db) == []  # nothing reached the bank
    assert_applicant_told_of_failure(runtime, claim_id)
    # The applicant's own account: paid once, and the failed payout needs no inquiry (it
    # was never sent).
    give_own_account(runtime, claim_id)
    bank = Recording(SimulatedBank(runtime.db))
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    first, second = payouts_of(runtime.db, claim_id)
    assert bank.calls == [("holder", second.reference), ("transfer", second.reference)]
    assert (first.status, second.status) == ("failed", "paid")
    assert claim_of(runtime.db, claim_id).status == "paid"
    assert [(r.reference, r.requests) for r in ledger(runtime.db)] == [(second.reference, 1)]
    assert dispatch_payouts(runtime, LATER + timedelta(hours=1)) == 0


def test_no_answer_to_the_name_inquiry_sends_nothing_until_the_bank_answers(
    runtime: Runtime,
) -> None:
    claim_id = approved(runtime.db, "1234567890")
    bank = Recording(SimulatedBank(runtime.db), silent_holders=1)
    assert dispatch_payouts(runtime, LATER, gateway=bank) == 1
    [payout] = payouts_of(runtime.db, claim_id)
    assert (payout.status, payout.attempts) == ("pending", 0)
    assert bank.calls == [("holder", payout.reference)] and ledger(runtime.db) == []
    assert claim_of(runtime.db, claim_id).status == "approved"
    assert dispatch_payouts(runtime, LATER + timedelta(seconds=5), gateway=bank) == 0  # later
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    assert bank.calls[1:] == [("holder", payout.reference), ("transfer", payout.reference)]
    assert payouts_of(runtime.db, claim_id)[0].status == "paid"


def test_an_account_the_bank_does_not_know_fails_before_any_transfer(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890")

    class NoSuchAccount(Recording):
        def account_holder(
            self, reference: str, bank_code: str, account_number: str
        ) -> HolderAnswer:
            self.calls.append(("holder", reference))
            return HolderAnswer.no_account()

    bank = NoSuchAccount(SimulatedBank(runtime.db))
    assert dispatch_payouts(runtime, LATER, gateway=bank) == 1
    [failed] = payouts_of(runtime.db, claim_id)
    assert (failed.status, failed.failure_reason) == ("failed", "account_not_found")
    assert bank.calls == [("holder", failed.reference)] and ledger(runtime.db) == []


def counts(db: Database, claim_id: str) -> tuple[str, int, int, int, int]:
    with db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None

        def count(model: Any) -> int:
            return int(
                session.scalar(
                    select(func.count()).select_from(model).where(model.claim_id == claim_id)
                )
                or 0
            )

        return (claim.status, claim.version, count(ClaimEvent), count(Payout), count(OutboxMessage))


def test_a_crash_inside_a_transition_leaves_none_of_its_rows(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890", approve=False)
    before = counts(runtime.db, claim_id)
    assert before[0] == "awaiting_approval"
    row = sample(ROW)
    staff = Staff(*_staff_actors(runtime.db, row["_branch"]))
    with pytest.raises(Crash), runtime.db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        decisions.approve(session, claim, staff.approver, None, LATER)
        session.flush()  # status, version, event, payout and outbox rows are written...
        raise Crash  # ...and the process dies before the commit
    assert counts(runtime.db, claim_id) == before
    with runtime.db.unit_of_work() as session:
        decisions.approve(session, facts.get_claim(session, claim_id), staff.approver, None, LATER)
    status, version, events, payouts, outbox = counts(runtime.db, claim_id)
    assert version > before[1]
    assert (status, events, payouts, outbox) == (
        "approved",
        before[2] + 1,
        1,
        before[4] + 2,  # the payout row and the "approved" message
    )


def _staff_actors(db: Database, branch: str) -> tuple[Any, ...]:
    from claims.models import Officer
    from workflow.states import Actor, ActorRole

    with db.read_only() as session:
        officers = list(session.scalars(select(Officer).where(Officer.branch_code == branch)))
    by_role = {o.roles: o.id for o in officers}
    return (
        Actor(ActorRole.verifier, by_role["verifier"]),
        Actor(ActorRole.interviewer, by_role["interviewer"]),
        Actor(ActorRole.approver, by_role["approver"]),
        Actor(ActorRole.finance, by_role["finance"]),
        {},
    )


def test_fifty_concurrent_approvals_make_one_payout(runtime: Runtime) -> None:
    claim_id = approved(runtime.db, "1234567890", approve=False)
    staff = Staff(*_staff_actors(runtime.db, sample(ROW)["_branch"]))
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        start.wait()
        try:
            with runtime.db.unit_of_work() as session:
                claim = facts.get_claim(session, claim_id)
                decisions.approve(session, claim, staff.approver, None, LATER)
            result = "approved"
        except (ConcurrentChange, TransitionNotAllowed) as refused:
            assert refused.status_hint == 409
            result = "409"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409"] * 49 + ["approved"]
    assert len(payouts_of(runtime.db, claim_id)) == 1
    assert [t for t, _ in triggers(runtime.db, claim_id)].count("approve") == 1
    with runtime.db.read_only() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "payout")
            )
            == 1
        )


# --- the HTTP gateway, against a tiny fake bank ----------------------------------------------


class FakeBank:
    """A bank over HTTP with idempotency keys: accounts ending in 9999 answer their first
    transfer request too late for the client's timeout (but carry it out)."""

    def __init__(self, holders: dict[str, str] | None = None) -> None:
        self.holders = holders or {}  # account number -> the holder's name at this bank
        self.transfers: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.slow_release = threading.Event()
        bank = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path.endswith("/account-inquiries"):
                    bank.requests.append(("HOLDER", body["reference"]))
                    holder = bank.holders.get(body["account_number"])
                    if holder is None:
                        self.answer(404, {"error": "no such account"})
                    else:
                        self.answer(200, {"holder": holder})
                    return
                key = self.headers["Idempotency-Key"]
                bank.requests.append(("POST", key))
                first = key not in bank.transfers
                if first:
                    closed = body["account_number"].endswith("0000")
                    bank.transfers[key] = (
                        {"status": "refused", "reason": "account_closed"}
                        if closed
                        else {"status": "done", "bank_reference": f"FB-{len(bank.transfers)}"}
                    )
                if first and body["account_number"].endswith("9999"):
                    bank.slow_release.wait(5)  # past the client's timeout
                with contextlib.suppress(OSError):
                    self.answer(200, bank.transfers[key])

            def do_GET(self) -> None:
                key = self.path.rsplit("/", 1)[-1]
                bank.requests.append(("GET", key))
                if key in bank.transfers:
                    self.answer(200, bank.transfers[key])
                else:
                    self.answer(404, {"status": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bank/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeBank:
        self.thread.start()
        return self

    def __exit__(self, *args: Any) -> None:
        self.slow_release.set()
        self.server.shutdown()
        self.server.server_close()


def test_http_gateway_pays_through_another_bank(runtime: Runtime) -> None:
    normal = approved(runtime.db, "1234567890")
    slow = approved(runtime.db, "2234569999", "resignation: left 3 months ago")
    closed = approved(runtime.db, "3234560000", "termination: PHK 3 months ago")
    holders = {}
    for claim_id in (normal, slow, closed):
        claim = claim_of(runtime.db, claim_id)
        assert claim.account_number and claim.account_holder
        holders[claim.account_number] = claim.account_holder.upper()
    with FakeBank(holders) as bank:
        gateway = HttpBankGateway(bank.url, timeout_seconds=0.5)
        simulated, runtime.bank = runtime.bank, gateway
        try:
            assert dispatch_payouts(runtime, LATER) == 3
        finally:
            runtime.bank = simulated
            gateway.close()
        statuses = {c: claim_of(runtime.db, c).status for c in (normal, slow, closed)}
        assert statuses == {normal: "paid", slow: "paid", closed: "payout_failed"}
        slow_reference = payouts_of(runtime.db, slow)[0].reference
        # The timed-out transfer was settled by a GET, never POSTed twice.
        assert [r for r in bank.requests if r[1] == slow_reference] == [
            ("HOLDER", slow_reference),
            ("POST", slow_reference),
            ("GET", slow_reference),
        ]
        assert sorted(k for m, k in bank.requests if m == "POST") == sorted(bank.transfers)
    assert ledger(runtime.db) == []  # the simulated bank was not used


def test_http_gateway_reads_answers() -> None:
    with FakeBank() as bank:
        gateway = HttpBankGateway(bank.url, timeout_seconds=2)
        assert gateway.inquire("NOPE-P1").outcome == "not_found"
        done = gateway.transfer("R-P1", "014", "1234567890", "Budi", 1000)
        assert done.outcome == "done" and done.bank_reference
        assert gateway.transfer("R-P1", "014", "1234567890", "Budi", 1000) == done
        assert gateway.inquire("R-P1") == done
        refused = gateway.transfer("R-P2", "014", "1234560000", "Budi", 1000)
        assert (refused.outcome, refused.reason) == ("refused", "account_closed")
        bank.holders["1234567890"] = "BUDI"
        assert gateway.account_holder("R-P3", "014", "1234567890") == HolderAnswer.known("BUDI")
        assert gateway.account_holder("R-P3", "014", "5555555555") == HolderAnswer.no_account()
        gateway.close()
    unreachable = HttpBankGateway(bank.url, timeout_seconds=1)
    assert unreachable.inquire("R-P1").outcome == "unknown"  # the server is gone
    assert unreachable.account_holder("R-P1", "014", "1234567890").outcome == "unknown"
    unreachable.close()
