"""Finance's manual reconciliation over HTTP (confirm and fail, role finance, branch-scoped):
only a payout already sent to the bank, proposed by one finance officer (202) and settled by
another's identical call (200); `fail` only after the bank's inquiry said the transfer is
refused or unknown to it; a bank "done" for a payout marked failed raises the alert and holds
the replacement. And the sandbox clock paying within one move."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from claims.app import create_app
from claims.casework.applicant import set_bank_account
from claims.casework.facts import get_claim
from claims.clock import Clock
from claims.db import Database
from claims.errors import ServiceError
from claims.models import Claim, ClaimEvent, OutboxMessage, Payout
from claims.payouts.dispatcher import dispatch_payouts
from claims.payouts.gateway import HolderAnswer, TransferResult
from claims.payouts.service import find_payout, settle_manually
from claims.ratelimits import RateLimits
from claims.registry.officers import add_officer
from claims.repositories.credentials import active_officer_by_token
from claims.runtime import Runtime
from claims.security import hash_token
from claims.settings import Settings
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import NOW, add_staff, load_samples, sample
from workflow.payout_lifecycle import SettlementAction
from workflow.states import Actor, ActorRole

LATER = NOW + timedelta(days=40)
ROW = "resignation: balance 80.000.000"
OTHER_BRANCH_ROW = "resignation: left 3 months ago"


def make_client(db: Database, data_dir: Path, *, sandbox: bool) -> tuple[TestClient, Runtime]:
    settings = Settings(data_dir=data_dir, database_url=db.url, scheduler=False, sandbox=sandbox)
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(default_per_client="100000/minute"),
    )
    return TestClient(app), runtime


@pytest.fixture
def setup(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    load_samples(db, tmp_path / "samples")
    client, runtime = make_client(db, data_dir, sandbox=False)
    with client:
        yield client, runtime


def approved_claim(
    db: Database, label: str = ROW, account: str = "1234567890"
) -> tuple[str, str, dict[str, str]]:
    row = sample(label)
    staff = add_staff(db, row["_branch"])
    claim_id = approve_one(db, row, reasons_for(row["_label"])[0], staff, account)
    assert claim_id is not None
    with db.read_only() as session:
        reference = session.scalar(select(Payout.reference).where(Payout.claim_id == claim_id))
    assert reference is not None
    return claim_id, reference, staff.tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def status_of(db: Database, claim_id: str) -> str:
    with db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim.status


class Bank:
    """A bank the test steers: transfers never reach it (the connection drops), and its
    inquiries answer `answers[reference]` (absent: no answer at all)."""

    def __init__(self) -> None:
        self.answers: dict[str, TransferResult] = {}
        self.calls: list[tuple[str, str]] = []

    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        self.calls.append(("transfer", reference))
        raise ConnectionError("connection reset")

    def inquire(self, reference: str) -> TransferResult:
        self.calls.append(("inquire", reference))
        if reference not in self.answers:
            raise ConnectionError("no answer")
        return self.answers[reference]

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        """Every account is its claimant's: the one participant (ROW) these tests pay."""
        self.calls.append(("holder", reference))
        return HolderAnswer.known(sample(ROW)["full_name"].upper())


def second_finance(db: Database, claim_id: str) -> str:
    """A token of another finance officer of the claim's branch."""
    with db.unit_of_work() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        _, token = add_officer(session, "finance two", claim.branch_code, ["finance"], NOW)
    return token


def payout_row(db: Database, reference: str) -> Payout:
    with db.read_only() as session:
        payout = session.scalar(select(Payout).where(Payout.reference == reference))
        assert payout is not None
        return payout


def sent_payout(runtime: Runtime, bank: Bank) -> tuple[str, str, str, str]:
    """An approved claim whose payout went to the bank without an answer (`unknown`): its
    claim id, payout reference, and two finance officers' tokens."""
    claim_id, reference, tokens = approved_claim(runtime.db)
    assert dispatch_payouts(runtime, LATER, gateway=bank) == 1
    assert payout_row(runtime.db, reference).status == "unknown"
    return claim_id, reference, tokens["finance"], second_finance(runtime.db, claim_id)


def events_of(db: Database, claim_id: str) -> list[ClaimEvent]:
    with db.read_only() as session:
        return list(
            session.scalars(
                select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
            )
        )


def test_a_payout_not_yet_sent_cannot_be_settled_by_hand(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    claim_id, reference, tokens = approved_claim(runtime.db)
    for action, body in (("confirm", {"bank_reference": "BCA-1"}), ("fail", {"reason_code": "x"})):
        answer = client.post(
            f"/api/v1/officer/payouts/{reference}/{action}",
            json=body,
            headers=auth(tokens["finance"]),
        )
        assert answer.status_code == 409, answer.text
        problem = answer.json()
        assert problem["code"] == "payout_not_sent"
    assert payout_row(runtime.db, reference).status == "pending"
    assert status_of(runtime.db, claim_id) == "approved"


def test_two_finance_officers_confirm_a_sent_payout(setup: tuple[TestClient, Runtime]) -> None:
    client, runtime = setup
    bank = Bank()  # no answer: the transfer may or may not have been made
    claim_id, reference, first, second = sent_payout(runtime, bank)
    path = f"/api/v1/officer/payouts/{reference}/confirm"
    verifier = add_staff(runtime.db, sample(ROW)["_branch"]).tokens["verifier"]
    assert (
        client.post(path, json={"bank_reference": "B"}, headers=auth(verifier)).status_code == 403
    )
    extra = {"bank_reference": "BCA-1", "status": "x"}
    assert client.post(path, json=extra, headers=auth(first)).status_code == 422
    proposed = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(first))
    assert proposed.status_code == 202, proposed.text
    assert proposed.json()["status"] == "proposed"
    assert proposed.json()["bank_reference"] == "BCA-1"
    assert status_of(runtime.db, claim_id) == "approved"
    # Officers see the standing proposal on the claim's payout.
    seen = client.get(f"/api/v1/officer/claims/{claim_id}", headers=auth(second)).json()
    standing = seen["payout"]["settlement_proposal"]
    assert standing["action"] == "confirm" and standing["detail"] == "BCA-1"
    assert standing["proposed_by"] == proposed.json()["proposed_by"]
    assert seen["payout"]["paid_at"] is None
    # The proposer again, even identical: a second officer is needed.
    again = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(first))
    assert again.status_code == 409 and again.json()["code"] == "second_officer_needed"
    # Another officer, another bank reference (or the other action): refused, nothing settled.
    differs = client.post(path, json={"bank_reference": "BCA-2"}, headers=auth(second))
    assert differs.status_code == 409 and differs.json()["code"] == "settlement_differs"
    bank.answers[reference] = TransferResult.not_found()
    crossed = client.post(
        f"/api/v1/officer/payouts/{reference}/fail",
        json={"reason_code": "x"},
        headers=auth(second),
    )
    assert crossed.status_code == 409
    assert status_of(runtime.db, claim_id) == "approved"
    settled = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(second))
    assert settled.status_code == 200, settled.text
    assert settled.json()["status"] == "paid" and settled.headers["ETag"]
    assert status_of(runtime.db, claim_id) == "paid"
    payout = payout_row(runtime.db, reference)
    assert (payout.status, payout.bank_reference) == ("paid", "BCA-1")
    seen = client.get(f"/api/v1/officer/claims/{claim_id}", headers=auth(second)).json()
    assert seen["payout"]["settlement_proposal"] is None and seen["payout"]["paid_at"]
    last = events_of(runtime.db, claim_id)[-1]
    assert last.trigger == "confirm_payout" and last.actor_role == "finance"
    assert last.data["proposed_by"] != last.actor_id
    after = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(first))
    assert after.status_code == 409 and after.json()["code"] == "payout_not_open"
    # The outbox row is closed without a transfer.
    bank.calls.clear()
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=5), gateway=bank) == 1
    assert bank.calls == []
    with runtime.db.read_only() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "payout"))
        assert row is not None and row.done_at is not None


def test_fail_waits_for_the_bank_to_say_it_has_no_such_transfer(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    bank = Bank()
    claim_id, reference, first, second = sent_payout(runtime, bank)
    path = f"/api/v1/officer/payouts/{reference}/fail"
    body = {"reason_code": "bank_no_record", "note": "bank statement 12 Dec"}
    early = client.post(path, json=body, headers=auth(first))
    assert early.status_code == 409 and early.json()["code"] == "bank_inquiry_needed"
    # The next run: the inquiry finds nothing, the resend gets no answer, the bank's
    # inquiry then says it has no such transfer.
    bank.answers[reference] = TransferResult.not_found()
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    payout = payout_row(runtime.db, reference)
    assert (payout.status, payout.bank_answer) == ("unknown", "not_found")
    proposed = client.post(path, json=body, headers=auth(first))
    assert proposed.status_code == 202, proposed.text
    assert proposed.json()["reason_code"] == "bank_no_record"
    settled = client.post(path, json={"reason_code": "bank_no_record"}, headers=auth(second))
    assert settled.status_code == 200, settled.text
    assert settled.json()["status"] == "payout_failed"
    payout = payout_row(runtime.db, reference)
    assert (payout.status, payout.failure_reason) == ("failed", "bank_no_record")
    with runtime.db.read_only() as session:
        templates = [
            m.payload["template"]
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.claim_id == claim_id)
            )
            if m.kind == "notification"
        ]
    assert templates[-1] == "payout_failed"


def test_a_resend_makes_the_banks_earlier_word_void(setup: tuple[TestClient, Runtime]) -> None:
    """Once the payout is sent again, "not found" no longer holds: fail waits anew."""
    client, runtime = setup
    bank = Bank()
    _, reference, first, _ = sent_payout(runtime, bank)
    bank.answers[reference] = TransferResult.not_found()
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    del bank.answers[reference]  # the next resend: no answer to the inquiry
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=2), gateway=bank) == 1
    assert payout_row(runtime.db, reference).bank_answer is None
    answer = client.post(
        f"/api/v1/officer/payouts/{reference}/fail",
        json={"reason_code": "x"},
        headers=auth(first),
    )
    assert answer.status_code == 409 and answer.json()["code"] == "bank_inquiry_needed"


def failed_and_replaced(client: TestClient, runtime: Runtime, bank: Bank) -> tuple[str, str, str]:
    """A payout failed by two finance officers after the bank said "not found", and the
    applicant's new account: the claim, the failed reference and the replacement's."""
    claim_id, reference, first, second = sent_payout(runtime, bank)
    bank.answers[reference] = TransferResult.not_found()
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1), gateway=bank) == 1
    path = f"/api/v1/officer/payouts/{reference}/fail"
    for token in (first, second):
        answer = client.post(path, json={"reason_code": "bank_no_record"}, headers=auth(token))
        assert answer.status_code in (200, 202), answer.text
    assert status_of(runtime.db, claim_id) == "payout_failed"
    with runtime.db.unit_of_work() as session:
        claim = get_claim(session, claim_id)
        holder = claim.account_holder
        assert holder is not None
        set_bank_account(session, claim, "002", "9876543210", holder, LATER + timedelta(minutes=2))
    with runtime.db.read_only() as session:
        replacement = session.scalar(
            select(Payout.reference).where(Payout.claim_id == claim_id, Payout.live.is_(True))
        )
    assert replacement is not None and replacement != reference
    return claim_id, reference, replacement


def test_a_bank_done_for_a_failed_payout_raises_the_alert_and_holds_the_replacement(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    bank = Bank()
    claim_id, failed, replacement = failed_and_replaced(client, runtime, bank)
    # The bank did carry out the first transfer after all.
    bank.answers[failed] = TransferResult.done("LATE-1")
    bank.calls.clear()
    at = LATER + timedelta(minutes=3)
    # The failed payout's own row is closed without a word to the bank; the replacement's
    # waits for an inquiry about the failed one.
    assert dispatch_payouts(runtime, at, gateway=bank) == 2
    assert bank.calls == [("inquire", failed)]  # nothing sent
    assert payout_row(runtime.db, replacement).status == "pending"
    alerts = [e for e in events_of(runtime.db, claim_id) if e.trigger == "payout_alert"]
    assert [(e.actor_role, e.data["payout_reference"]) for e in alerts] == [("system", failed)]
    first = payout_row(runtime.db, failed)
    assert (first.status, first.bank_answer, first.alerted_at is not None) == (
        "failed",
        "done",
        True,
    )
    metrics = client.get("/metrics").text
    assert "jht_payouts_done_after_failure 1.0" in metrics
    # Later runs: still held, no second alert, not even an inquiry.
    bank.calls.clear()
    for minutes in (5, 60, 600):
        dispatch_payouts(runtime, at + timedelta(minutes=minutes), gateway=bank)
    assert bank.calls == []
    assert payout_row(runtime.db, replacement).status == "pending"
    assert len([e for e in events_of(runtime.db, claim_id) if e.trigger == "payout_alert"]) == 1


def test_a_replacement_goes_once_the_bank_still_has_no_earlier_transfer(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    bank = Bank()
    claim_id, failed, replacement = failed_and_replaced(client, runtime, bank)
    del bank.answers[failed]  # no answer about the failed one: the replacement waits
    bank.calls.clear()
    at = LATER + timedelta(minutes=3)
    assert dispatch_payouts(runtime, at, gateway=bank) == 2  # with the failed one's row
    assert bank.calls == [("inquire", failed)]
    assert payout_row(runtime.db, replacement).status == "pending"
    bank.answers[failed] = TransferResult.not_found()
    bank.calls.clear()
    assert dispatch_payouts(runtime, at + timedelta(minutes=1), gateway=bank) == 1
    assert bank.calls[:3] == [
        ("inquire", failed),
        ("holder", replacement),
        ("transfer", replacement),
    ]
    assert payout_row(runtime.db, replacement).status != "pending"
    assert not [e for e in events_of(runtime.db, claim_id) if e.trigger == "payout_alert"]
    assert "jht_payouts_done_after_failure 0.0" in client.get("/metrics").text


def test_a_new_account_after_a_refusal_writes_the_claim_once(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    claim_id, reference, _ = approved_claim(runtime.db, account="1234560000")  # closed
    assert dispatch_payouts(runtime, LATER) == 1
    assert status_of(runtime.db, claim_id) == "payout_failed"
    token = "applicant-token-of-the-refused-claim"  # the claim's own token is shown only once
    with runtime.db.unit_of_work() as session:
        session.execute(
            update(Claim).where(Claim.id == claim_id).values(access_token_hash=hash_token(token))
        )
    with runtime.db.read_only() as session:
        before = session.get(Claim, claim_id)
        assert before is not None
        version = before.version
        trail = select(ClaimEvent.seq).where(ClaimEvent.claim_id == claim_id)
        seq = len(list(session.scalars(trail)))
    answer = client.put(
        f"/api/v1/claims/{claim_id}/bank-account",
        json={
            "bank_code": "002",
            "account_number": "9876543210",
            "account_holder": sample(ROW)["full_name"],
        },
        headers=auth(token),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == f'"{version + 1}"'
    with runtime.db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        # One UPDATE of the claim: status, account and activity together, the version once.
        assert (claim.version, claim.status) == (version + 1, "approved")
        assert (claim.bank_code, claim.account_number) == ("002", "9876543210")
        assert len(list(session.scalars(trail))) == seq + 1
        payouts = list(
            session.scalars(select(Payout).where(Payout.claim_id == claim_id).order_by(Payout.id))
        )
    assert [(p.reference, p.status, p.live) for p in payouts] == [
        (reference, "failed", False),
        (f"{reference[:-3]}-P2", "pending", True),
    ]
    assert payouts[1].account_number == "9876543210"


def test_another_branch_and_unknown_references_are_404(setup: tuple[TestClient, Runtime]) -> None:
    client, runtime = setup
    _, reference, _ = approved_claim(runtime.db)
    other = sample(OTHER_BRANCH_ROW)
    assert other["_branch"] != sample(ROW)["_branch"]
    other_tokens = add_staff(runtime.db, other["_branch"]).tokens
    for path in (
        f"/api/v1/officer/payouts/{reference}/confirm",
        "/api/v1/officer/payouts/NOPE-P1/confirm",
    ):
        answer = client.post(
            path, json={"bank_reference": "X"}, headers=auth(other_tokens["finance"])
        )
        assert answer.status_code == 404
    assert (
        client.post(
            f"/api/v1/officer/payouts/{reference}/confirm", json={"bank_reference": "X"}
        ).status_code
        == 401
    )


def test_one_sandbox_clock_move_pays(db: Database, data_dir: Path, tmp_path: Path) -> None:
    load_samples(db, tmp_path / "samples")
    normal, _, _ = approved_claim(db)
    slow, _, _ = approved_claim(db, OTHER_BRANCH_ROW, "2234569999")
    client, _runtime = make_client(db, data_dir, sandbox=True)
    target = max(LATER, datetime.now(UTC) + timedelta(days=1))
    with client:
        answer = client.post("/api/v1/sandbox/clock", json={"set": target.isoformat()})
        assert answer.status_code == 200, answer.text
    assert (status_of(db, normal), status_of(db, slow)) == ("paid", "paid")
    with db.read_only() as session:
        sent = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notification"))
        )
    assert sent and all(m.done_at is not None for m in sent)  # the mail went out in the same move
    assert sorted(p.name for p in (data_dir / "mail").iterdir() if p.suffix == ".eml")


def test_concurrent_calls_of_two_officers_settle_once(setup: tuple[TestClient, Runtime]) -> None:
    """Twenty identical calls at once, ten by each of two finance officers: one proposal, one
    settlement by the officer who did not propose, every other call 409."""
    _, runtime = setup
    claim_id, reference, first, second = sent_payout(runtime, Bank())
    identities = [active_officer_by_token(runtime.db, token) for token in (first, second)]
    officers = [identity.id for identity in identities if identity is not None]
    start = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def call(officer_id: int) -> None:
        start.wait()
        try:
            with runtime.db.unit_of_work() as session:
                payout = find_payout(session, reference)
                step, _ = settle_manually(
                    session,
                    payout,
                    Actor(ActorRole.finance, officer_id),
                    SettlementAction.confirm,
                    "BCA-9",
                    None,
                    LATER,
                )
            result = step.value
        except ServiceError as refused:
            assert refused.status_hint == 409, refused
            result = "409"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call, args=(officers[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409"] * 18 + ["propose", "settle"]
    confirmations = [e for e in events_of(runtime.db, claim_id) if e.trigger == "confirm_payout"]
    assert len(confirmations) == 1
    assert confirmations[0].actor_id != confirmations[0].data["proposed_by"]
    assert status_of(runtime.db, claim_id) == "paid"
