"""Idempotency-Key: a replay gets the first response and the work is done once; a different
request under the same key is 422, a key still in flight is 409, a 5xx releases the key, keys
are scoped per credential and expire after 24 hours on the application clock."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request, Response
from fastapi.testclient import TestClient
from http_support import NOW, make_app, make_runtime
from sqlalchemy import func, select

from claims.db import Database
from claims.errors import ConcurrentChange
from claims.http.conditional import etag_for
from claims.models import IdempotencyRecord
from claims.repositories.idempotency import StoredResponse, claim_key, purge_expired
from claims.runtime import Runtime


class Calls:
    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.fail_next = False
        self.bodies: list[int] = []


@pytest.fixture
def runtime(db: Database, data_dir: Path) -> Runtime:
    return make_runtime(db, data_dir)


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def client(runtime: Runtime, calls: Calls) -> Iterator[TestClient]:
    app = make_app(runtime)

    @app.post("/things", status_code=201)
    def create(body: dict[str, Any], response: Response) -> dict[str, Any]:
        calls.count["create"] += 1
        response.headers["ETag"] = etag_for(calls.count["create"])
        return {"n": calls.count["create"], "echo": body}

    @app.put("/slow")
    def slow(body: dict[str, Any]) -> dict[str, str]:
        calls.count["slow"] += 1
        calls.entered.set()
        assert calls.release.wait(timeout=30)
        return {"done": "yes"}

    @app.post("/flaky")
    def flaky() -> dict[str, int]:
        calls.count["flaky"] += 1
        if calls.fail_next:
            calls.fail_next = False
            raise RuntimeError("boom")
        return {"n": calls.count["flaky"]}

    @app.post("/busy")
    def busy() -> None:
        calls.count["busy"] += 1
        raise ConcurrentChange()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        calls.count["upload"] += 1
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        calls.bodies.append(size)
        return {"size": size}

    @app.post("/credentials", status_code=201)
    def credentials(body: dict[str, Any]) -> dict[str, Any]:
        calls.count["credentials"] += 1
        return {"id": calls.count["credentials"], "access_token": f"secret-{calls.count}"}

    @app.post("/ignores-body")
    def ignores_body() -> dict[str, str]:
        calls.count["ignores"] += 1
        return {"ok": "yes"}

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def key(value: str, **extra: str) -> dict[str, str]:
    return {"Idempotency-Key": value, **extra}


def rows(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(IdempotencyRecord)) or 0


def test_replay_returns_the_first_response_and_does_the_work_once(
    client: TestClient, calls: Calls
) -> None:
    first = client.post("/things", json={"a": 1}, headers=key("k-1"))
    again = client.post("/things", json={"a": 1}, headers=key("k-1"))
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"] == '"1"'
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert calls.count["create"] == 1


def stored_values(db: Database) -> list[str]:
    """Every stored value of every idempotency row, as text (bytes as they are stored)."""
    with db.read_only() as session:
        table = IdempotencyRecord.__table__
        return [repr(value) for row in session.execute(select(table)) for value in row]


def test_a_credential_in_the_answer_is_neither_stored_nor_replayed(
    client: TestClient, calls: Calls, db: Database
) -> None:
    first = client.post("/credentials", json={"a": 1}, headers=key("k-cred"))
    token = first.json()["access_token"]
    assert first.status_code == 201 and token.startswith("secret-")
    stored = stored_values(db)
    assert stored and not any(token in value for value in stored)
    again = client.post("/credentials", json={"a": 1}, headers=key("k-cred"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == {"id": 1, "access_token": None}
    assert token not in again.text and calls.count["credentials"] == 1


def test_an_answer_stored_with_a_credential_before_this_version_replays_without_it(
    client: TestClient, calls: Calls, db: Database
) -> None:
    """Rows written before credentials were left out live out their 24 hours: a replay of one
    still hands out no credential."""
    client.post("/credentials", json={"a": 1}, headers=key("k-old"))
    with db.unit_of_work() as session:
        record = session.scalars(select(IdempotencyRecord)).one()
        record.response_body = b'{"id":1,"access_token":"secret-from-before"}'
    again = client.post("/credentials", json={"a": 1}, headers=key("k-old"))
    assert again.status_code == 201 and again.json() == {"id": 1, "access_token": None}
    assert calls.count["credentials"] == 1


def test_without_a_key_every_request_does_the_work(client: TestClient, calls: Calls) -> None:
    client.post("/things", json={"a": 1})
    client.post("/things", json={"a": 1})
    assert calls.count["create"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/things", {"a": 2}),  # another body
        ("POST", "/things?x=1", {"a": 1}),  # another query
        ("PUT", "/things", {"a": 1}),  # another method
        ("POST", "/upload", {"a": 1}),  # another path
    ],
)
def test_same_key_for_a_different_request_is_422(
    client: TestClient, calls: Calls, method: str, path: str, body: dict[str, int]
) -> None:
    client.post("/things", json={"a": 1}, headers=key("k-2"))
    response = client.request(method, path, json=body, headers=key("k-2"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert calls.count["create"] == 1 and calls.count["upload"] == 0


def test_same_key_while_the_first_is_running_is_409(client: TestClient, calls: Calls) -> None:
    results: dict[str, Any] = {}

    def first() -> None:
        results["first"] = client.put("/slow", json={}, headers=key("k-3"))

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert calls.entered.wait(timeout=30)
        second = client.put("/slow", json={}, headers=key("k-3"))
    finally:
        calls.release.set()
        thread.join(timeout=30)
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_flight"
    assert results["first"].status_code == 200
    assert calls.count["slow"] == 1
    replay = client.put("/slow", json={}, headers=key("k-3"))
    assert replay.json() == {"done": "yes"} and calls.count["slow"] == 1


def test_a_5xx_releases_the_key_so_the_client_can_retry(
    client: TestClient, calls: Calls, db: Database
) -> None:
    calls.fail_next = True
    failed = client.post("/flaky", headers=key("k-4"))
    assert failed.status_code == 500
    assert rows(db) == 0
    retried = client.post("/flaky", headers=key("k-4"))
    assert retried.status_code == 200 and retried.json() == {"n": 2}
    assert client.post("/flaky", headers=key("k-4")).json() == {"n": 2}
    assert calls.count["flaky"] == 2


def test_a_409_is_not_stored(client: TestClient, calls: Calls, db: Database) -> None:
    for _ in range(2):
        assert client.post("/busy", headers=key("k-5")).status_code == 409
    assert calls.count["busy"] == 2 and rows(db) == 0


def test_keys_are_scoped_per_credential(client: TestClient, calls: Calls) -> None:
    alice = client.post("/things", json={"a": 1}, headers=key("same", Authorization="Bearer a"))
    bob = client.post("/things", json={"a": 1}, headers=key("same", Authorization="Bearer b"))
    anonymous = client.post("/things", json={"a": 1}, headers=key("same"))
    assert [alice.json()["n"], bob.json()["n"], anonymous.json()["n"]] == [1, 2, 3]
    client.cookies.set("jht_claim", "cookie-token")
    by_cookie = client.post("/things", json={"a": 1}, headers=key("same"))
    assert by_cookie.json()["n"] == 4
    again = client.post("/things", json={"a": 1}, headers=key("same", Authorization="Bearer b"))
    assert again.json()["n"] == 2 and calls.count["create"] == 4


def test_a_key_expires_after_24_hours_on_the_application_clock(
    client: TestClient, calls: Calls, runtime: Runtime, db: Database
) -> None:
    client.post("/things", json={"a": 1}, headers=key("k-6"))
    runtime.clock.set_offset(timedelta(hours=23, minutes=59))
    assert client.post("/things", json={"a": 1}, headers=key("k-6")).json()["n"] == 1
    runtime.clock.set_offset(timedelta(hours=24, seconds=1))
    assert client.post("/things", json={"a": 2}, headers=key("k-6")).json()["n"] == 2
    assert calls.count["create"] == 2 and rows(db) == 1


def test_purge_expired_deletes_only_old_keys(client: TestClient, db: Database) -> None:
    client.post("/things", json={"a": 1}, headers=key("k-7"))
    assert purge_expired(db, NOW.replace(year=2020)) == 0
    with db.read_only() as session:
        expires = session.scalar(select(IdempotencyRecord.expires_at))
    assert expires is not None
    assert purge_expired(db, expires - timedelta(seconds=1)) == 0
    assert purge_expired(db, expires) == 1
    assert rows(db) == 0


def test_streamed_body_is_hashed_as_it_is_read(client: TestClient, calls: Calls) -> None:
    chunk = b"x" * 65536

    def body(last: bytes) -> Iterator[bytes]:
        for _ in range(32):
            yield chunk
        yield last

    first = client.post("/upload", content=body(b"a"), headers=key("k-8"))
    replay = client.post("/upload", content=body(b"a"), headers=key("k-8"))
    changed = client.post("/upload", content=body(b"b"), headers=key("k-8"))
    assert first.json() == replay.json() == {"size": 32 * 65536 + 1}
    assert changed.status_code == 422
    assert calls.count["upload"] == 1


def test_body_the_handler_never_read_still_counts(client: TestClient, calls: Calls) -> None:
    client.post("/ignores-body", content=b"one", headers=key("k-9"))
    assert client.post("/ignores-body", content=b"one", headers=key("k-9")).status_code == 200
    assert client.post("/ignores-body", content=b"two", headers=key("k-9")).status_code == 422
    assert calls.count["ignores"] == 1


@pytest.mark.parametrize("bad_key", [b"", b"x" * 201, b"has space", "ünïcode".encode()])
def test_malformed_keys_are_400(client: TestClient, calls: Calls, bad_key: bytes) -> None:
    response = client.post("/things", json={"a": 1}, headers={"Idempotency-Key": bad_key})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert calls.count["create"] == 0


def test_get_ignores_the_key(client: TestClient) -> None:
    assert client.get("/things", headers=key("k-10")).status_code == 405


def test_concurrent_claims_of_one_key_let_exactly_one_through(db: Database) -> None:
    barrier = threading.Barrier(8)
    results: list[int | StoredResponse] = []

    def take() -> None:
        barrier.wait(timeout=30)
        results.append(claim_key(db, "scope", "race", "POST", "/things", NOW))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8
    assert sum(isinstance(result, int) for result in results) == 1
    others = [result for result in results if isinstance(result, StoredResponse)]
    assert [other.state for other in others] == ["in_flight"] * 7
    assert rows(db) == 1


def test_a_participant_session_cookie_is_its_own_scope() -> None:
    """Two browsers behind one address, each signed in: their keys never meet (carrier NAT
    puts many people behind one address)."""
    from starlette.requests import Request

    from claims.http.idempotency import credential_scope

    def request(cookie: str) -> Request:
        headers = [(b"cookie", cookie.encode())] if cookie else []
        return Request(
            {
                "type": "http",
                "scheme": "http",
                "server": ("testserver", 80),
                "path": "/",
                "query_string": b"",
                "headers": headers,
                "client": ("10.0.0.1", 1),
            }
        )

    first, second, anonymous = request("jht_session=a"), request("jht_session=b"), request("")
    scopes = {credential_scope(first), credential_scope(second), credential_scope(anonymous)}
    assert len(scopes) == 3
