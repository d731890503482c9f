"""Idempotency-Key, ETag/If-Match and concurrent transitions over HTTP."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from claims.http.idempotency import credential_scope
from claims.models import Claim, ClaimEvent, IdempotencyRecord, Payout
from claims.repositories.idempotency import IN_FLIGHT
from tests.e2e.api_helpers import (
    RESIGNED,
    assert_problem,
    bearer,
    claim_body,
    create_claim,
    to_awaiting_approval,
)
from tests.e2e.conftest import Api
from tests.support import NOW, sample


def count(api: Api, model: type) -> int:
    with api.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_replayed_create_returns_the_first_answer_and_makes_one_claim(api: Api) -> None:
    body = claim_body(RESIGNED)
    key = {"Idempotency-Key": "create-1"}
    first = api.client.post("/api/v1/claims", json=body, headers=key)
    second = api.client.post("/api/v1/claims", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    # The replay is the first answer without the access token, which is shown once only.
    assert second.json() == first.json() | {"access_token": None}
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["etag"] == first.headers["etag"]
    assert count(api, Claim) == 1
    # a different body under the same key is refused, and nothing is created
    other = claim_body("termination: PHK 3 months ago", "termination")
    assert_problem(
        api.client.post("/api/v1/claims", json=other, headers=key), 422, "idempotency_key_reused"
    )
    assert count(api, Claim) == 1


def test_no_stored_answer_holds_the_access_token(api: Api) -> None:
    created = api.client.post(
        "/api/v1/claims", json=claim_body(RESIGNED), headers={"Idempotency-Key": "create-2"}
    )
    token = created.json()["access_token"]
    with api.db.read_only() as session:
        table = IdempotencyRecord.__table__
        stored = [value for row in session.execute(select(table)) for value in row]
    assert stored, "the answer was stored"
    as_bytes = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in stored
    )
    assert token.encode() not in as_bytes


def test_a_second_caller_behind_the_same_address_gets_no_token(api: Api) -> None:
    """Anonymous callers are scoped by address: behind one NAT or proxy, a second caller who
    sends the same key and body gets the replay, but not the first applicant's credential."""
    body, key = claim_body(RESIGNED), {"Idempotency-Key": "shared-address-1"}
    first = api.client.post("/api/v1/claims", json=body, headers=key)
    token = first.json()["access_token"]
    assert first.status_code == 201 and token
    neighbour = TestClient(api.client.app)  # a fresh client: no cookies, the same address
    replayed = neighbour.post("/api/v1/claims", json=body, headers=key)
    assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["access_token"] is None
    assert token not in replayed.text
    assert "set-cookie" not in replayed.headers
    claim = f"/api/v1/claims/{replayed.json()['id']}"
    assert neighbour.get(claim).status_code == 401


def test_a_replayed_put_and_post_do_the_work_once(api: Api) -> None:
    claim = create_claim(api)
    row = sample(RESIGNED)
    account = {
        "bank_code": "014",
        "account_number": "1234567890",
        "account_holder": row["full_name"],
    }
    headers = claim.auth | {"Idempotency-Key": "bank-1"}
    first = api.client.put(f"/api/v1/claims/{claim.id}/bank-account", json=account, headers=headers)
    again = api.client.put(f"/api/v1/claims/{claim.id}/bank-account", json=account, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.headers["etag"] == again.headers["etag"]
    events_before = count(api, ClaimEvent)
    cancel = claim.auth | {"Idempotency-Key": "cancel-1"}
    one = api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=cancel)
    two = api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=cancel)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert count(api, ClaimEvent) == events_before + 1
    # without the key, the second cancel is a real conflict
    assert_problem(
        api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=claim.auth),
        409,
        "transition_not_allowed",
    )


def test_a_key_in_flight_is_409(api: Api) -> None:
    claim = create_claim(api)
    headers = claim.auth | {"Idempotency-Key": "busy-1"}
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/api/v1/claims/{claim.id}/cancel",
        "headers": [(b"authorization", f"Bearer {claim.token}".encode())],
        "client": ("testclient", 50000),
    }
    with api.db.unit_of_work() as session:
        session.add(
            IdempotencyRecord(
                scope=credential_scope(Request(scope)),
                key="busy-1",
                method="POST",
                path=f"/api/v1/claims/{claim.id}/cancel",
                request_hash="",
                state=IN_FLIGHT,
                created_at=NOW,
                expires_at=NOW.replace(day=NOW.day + 1),
            )
        )
    answer = api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=headers)
    assert_problem(answer, 409, "idempotency_key_in_flight")
    still = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    assert still.json()["status"] == "documents_pending"


def test_etag_and_stale_if_match(api: Api) -> None:
    claim, staff = to_awaiting_approval(api)
    seen = api.client.get(
        f"/api/v1/officer/claims/{claim.id}", headers=bearer(staff.tokens["approver"])
    )
    etag = seen.headers["etag"]
    assert etag == f'"{seen.json()["version"]}"'
    stale = f'"{seen.json()["version"] - 1}"'
    answer = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["approver"]) | {"If-Match": stale},
    )
    assert_problem(answer, 412, "stale_version")
    assert count(api, Payout) == 0
    done = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["approver"]) | {"If-Match": etag},
    )
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == f'"{seen.json()["version"] + 1}"'


def test_ten_concurrent_approvals_one_succeeds(api: Api) -> None:
    claim, staff = to_awaiting_approval(api)
    token = staff.tokens["approver"]
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    lock = threading.Lock()

    def approve() -> None:
        barrier.wait()
        answer = api.client.post(
            f"/api/v1/officer/claims/{claim.id}/approve", json={}, headers=bearer(token)
        )
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=approve) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == Counter({200: 1, 409: 9}), statuses
    with api.db.read_only() as session:
        payouts = session.scalar(
            select(func.count()).select_from(Payout).where(Payout.claim_id == claim.id)
        )
        approvals = session.scalar(
            select(func.count())
            .select_from(ClaimEvent)
            .where(ClaimEvent.claim_id == claim.id, ClaimEvent.trigger == "approve")
        )
    assert (payouts, approvals) == (1, 1)
    assert datetime.fromisoformat(
        api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()["history"][-1]["at"]
    )
