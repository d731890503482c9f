"""Finance's manual reconciliation over HTTP (confirm and fail, role finance, branch-scoped,
409 when the payout cannot be settled), and the sandbox clock paying within one move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.models import Claim, ClaimEvent, OutboxMessage, Payout, SimulatedBankTransfer
from claims.payouts.dispatcher import dispatch_payouts
from claims.ratelimits import RateLimits
from claims.runtime import Runtime
from claims.security import hash_token
from claims.settings import Settings
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import NOW, add_staff, load_samples, sample

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


def test_finance_confirms_and_the_dispatcher_then_sends_nothing(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    claim_id, reference, tokens = approved_claim(runtime.db)
    path = f"/api/v1/officer/payouts/{reference}/confirm"
    assert (
        client.post(
            path, json={"bank_reference": "BCA-1"}, headers=auth(tokens["verifier"])
        ).status_code
        == 403
    )
    assert (
        client.post(
            path, json={"bank_reference": "BCA-1", "status": "x"}, headers=auth(tokens["finance"])
        ).status_code
        == 422
    )
    answer = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(tokens["finance"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "paid" and answer.headers["ETag"]
    assert status_of(runtime.db, claim_id) == "paid"
    again = client.post(path, json={"bank_reference": "BCA-1"}, headers=auth(tokens["finance"]))
    assert again.status_code == 409 and again.json()["code"] == "payout_not_open"
    # The outbox row is closed without a transfer.
    assert dispatch_payouts(runtime, LATER) == 1
    with runtime.db.read_only() as session:
        assert session.scalar(select(SimulatedBankTransfer.id)) is None
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "payout"))
        assert row is not None and row.done_at is not None


def test_finance_records_a_refusal(setup: tuple[TestClient, Runtime]) -> None:
    client, runtime = setup
    claim_id, reference, tokens = approved_claim(runtime.db)
    answer = client.post(
        f"/api/v1/officer/payouts/{reference}/fail",
        json={"reason_code": "name_mismatch", "note": "bank statement 12 Dec"},
        headers=auth(tokens["finance"]),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "payout_failed"
    with runtime.db.read_only() as session:
        payout = session.scalar(select(Payout).where(Payout.reference == reference))
        assert payout is not None and (payout.status, payout.failure_reason) == (
            "failed",
            "name_mismatch",
        )
        templates = [
            m.payload["template"]
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.claim_id == claim_id)
            )
            if m.kind == "notification"
        ]
    assert templates[-1] == "payout_failed"
    confirm = client.post(
        f"/api/v1/officer/payouts/{reference}/confirm",
        json={"bank_reference": "X"},
        headers=auth(tokens["finance"]),
    )
    assert confirm.status_code == 409


def test_a_new_account_after_a_refusal_writes_the_claim_once(
    setup: tuple[TestClient, Runtime],
) -> None:
    client, runtime = setup
    claim_id, reference, tokens = approved_claim(runtime.db)
    failed = client.post(
        f"/api/v1/officer/payouts/{reference}/fail",
        json={"reason_code": "name_mismatch"},
        headers=auth(tokens["finance"]),
    )
    assert failed.status_code == 200, failed.text
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
