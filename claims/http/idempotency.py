"""`Idempotency-Key` for every POST and PUT (api.md): a replay within 24 hours gets the first
response without the work being done again. Pure ASGI, so upload bodies stream through: the
request body is hashed as the application reads it, never held in memory.

A key is claimed by an INSERT in its own short transaction; the unique (scope, key) index
decides races on SQLite and PostgreSQL alike. The scope is a hash of the caller's credential
(or its address when anonymous), so two callers' keys never collide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claims.db import Database
from claims.errors import Conflict, ServiceError, refusal
from claims.http.auth import APPLICANT_COOKIE
from claims.http.problems import Language, preferred_language, render_workflow_error
from claims.models import IdempotencyRecord
from claims.runtime import Runtime

IDEMPOTENT_METHODS = frozenset({"POST", "PUT"})
REPLAY_WINDOW = timedelta(hours=24)
# A key left in flight by a crashed process is taken over after this long; long enough for a
# 100 MB upload over a slow mobile link.
IN_FLIGHT_LEASE = timedelta(minutes=30)
MAX_KEY_LENGTH = 200  # the column's width
MAX_PATH_LENGTH = 300
# Not worth replaying: hop-by-hop or recomputed headers, and cookies (a credential must not be
# handed out again from storage).
UNSTORED_HEADERS = frozenset(
    {"content-length", "date", "server", "set-cookie", "transfer-encoding", "connection"}
)
# A response with these statuses changed nothing and may well differ next time (another
# request was busy, a rate limit), so the key is released for a retry, as for 5xx.
RETRYABLE_STATUSES = frozenset({409, 429})
REPLAY_HEADER = "Idempotent-Replayed"
IN_FLIGHT = "in_flight"
DONE = "done"


@dataclass(frozen=True)
class StoredResponse:
    """A key that another request holds or has finished."""

    state: str
    request_hash: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes


def key_reused() -> ServiceError:
    return refusal(
        "idempotency_key_reused",
        422,
        "This Idempotency-Key was already used for a different request.",
        "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda.",
    )


def key_in_flight() -> ServiceError:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        "Permintaan dengan Idempotency-Key ini masih diproses; coba lagi sebentar lagi.",
        code="idempotency_key_in_flight",
    )


def invalid_key() -> ServiceError:
    return refusal(
        "invalid_idempotency_key",
        400,
        f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
        f"Idempotency-Key harus 1 sampai {MAX_KEY_LENGTH} karakter ASCII yang terlihat.",
    )


def is_valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all("!" <= char <= "~" for char in key)


def credential_scope(request: Request) -> str:
    """SHA-256 of the credential the request carries; anonymous callers by their address."""
    authorization = request.headers.get("authorization")
    cookie = request.cookies.get(APPLICANT_COOKIE)
    if authorization:
        source = "authorization:" + authorization
    elif cookie:
        source = "cookie:" + cookie
    else:
        source = "client:" + (request.client.host if request.client else "unknown")
    return hashlib.sha256(source.encode()).hexdigest()


# ---- storage (synchronous; the middleware calls these in a worker thread) -------------------


def claim_key(
    db: Database,
    scope: str,
    key: str,
    method: str,
    path: str,
    now: datetime,
    *,
    window: timedelta = REPLAY_WINDOW,
    lease: timedelta = IN_FLIGHT_LEASE,
) -> int | StoredResponse:
    """The id of our new in-flight row, or what another request left under this key.
    Expired rows, and in-flight rows whose lease ran out, are replaced."""
    for _attempt in range(5):
        try:
            with db.unit_of_work() as session:
                record = IdempotencyRecord(
                    scope=scope,
                    key=key,
                    method=method,
                    path=path[:MAX_PATH_LENGTH],
                    request_hash="",
                    state=IN_FLIGHT,
                    created_at=now,
                    expires_at=now + window,
                )
                session.add(record)
                session.flush()
                return record.id
        except IntegrityError:
            pass
        with db.read_only() as session:
            existing = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
                )
            )
            if existing is None:
                continue  # released meanwhile: try to claim it again
            stale = existing.expires_at <= now or (
                existing.state == IN_FLIGHT and existing.created_at <= now - lease
            )
            if not stale:
                return StoredResponse(
                    state=existing.state,
                    request_hash=existing.request_hash,
                    status=existing.response_status,
                    headers=_headers_from_json(existing.response_headers),
                    body=existing.response_body or b"",
                )
            stale_id, stale_created = existing.id, existing.created_at
        with db.unit_of_work() as session:
            # Only the row we judged stale: a concurrent taker may have replaced it already.
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == stale_id,
                    IdempotencyRecord.created_at == stale_created,
                )
            )
    # Five lost races in a row: someone else is busy with this key.
    return StoredResponse(IN_FLIGHT, "", None, [], b"")


def record_response(
    db: Database,
    record_id: int,
    request_hash: str,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                state=DONE,
                request_hash=request_hash,
                response_status=status,
                response_headers={"headers": [list(pair) for pair in headers]},
                response_body=body,
            )
        )


def release_key(db: Database, record_id: int) -> None:
    with db.unit_of_work() as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def purge_expired(db: Database, now: datetime) -> int:
    """Deletes keys past their 24 hours; for a daily job. Returns how many went."""
    with db.unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


# ---- the middleware -------------------------------------------------------------------------


@dataclass
class RequestHasher:
    """Hashes method, path, query and body as the body streams past."""

    scope: Scope
    digest: Any = field(init=False)
    body_complete: bool = False
    disconnected: bool = False

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256()
        for part in (self.scope["method"], self.scope["path"], self.scope.get("query_string", b"")):
            self.digest.update(part.encode() if isinstance(part, str) else bytes(part))
            self.digest.update(b"\x00")

    def feed(self, message: Message) -> None:
        if message["type"] == "http.request":
            self.digest.update(message.get("body", b""))
            if not message.get("more_body", False):
                self.body_complete = True
        elif message["type"] == "http.disconnect":
            self.disconnected = True

    def wrap(self, receive: Receive) -> Receive:
        async def receive_and_hash() -> Message:
            message = await receive()
            if not self.body_complete:
                self.feed(message)
            return message

        return receive_and_hash

    async def drain(self, receive: Receive) -> None:
        """Reads (and hashes) whatever of the body the application left unread."""
        while not self.body_complete and not self.disconnected:
            self.feed(await receive())

    def hexdigest(self) -> str:
        return str(self.digest.hexdigest())


def _runtime_from_scope(scope: Scope) -> Runtime:
    runtime: Runtime = scope["app"].state.runtime
    return runtime


class IdempotencyMiddleware:
    """Add with `app.add_middleware(IdempotencyMiddleware)`; reads `app.state.runtime`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        window: timedelta = REPLAY_WINDOW,
        lease: timedelta = IN_FLIGHT_LEASE,
        runtime_of: Callable[[Scope], Runtime] = _runtime_from_scope,
    ) -> None:
        self.app = app
        self.window = window
        self.lease = lease
        self.runtime_of = runtime_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in IDEMPOTENT_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = request.headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        language = preferred_language(request)
        if not is_valid_key(key):
            await render_workflow_error(invalid_key(), language)(scope, receive, send)
            return

        runtime = self.runtime_of(scope)
        outcome = await anyio.to_thread.run_sync(
            lambda: claim_key(
                runtime.db,
                credential_scope(request),
                key,
                scope["method"],
                scope["path"],
                runtime.clock.now(),
                window=self.window,
                lease=self.lease,
            )
        )
        hasher = RequestHasher(scope)
        if isinstance(outcome, StoredResponse):
            await self._answer_from_store(outcome, hasher, language, scope, receive, send)
            return
        await self._run_and_record(outcome, runtime.db, hasher, scope, receive, send)

    async def _answer_from_store(
        self,
        stored: StoredResponse,
        hasher: RequestHasher,
        language: Language,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        if stored.state != DONE or stored.status is None:
            await render_workflow_error(key_in_flight(), language)(scope, receive, send)
            return
        await hasher.drain(receive)
        if hasher.hexdigest() != stored.request_hash:
            await render_workflow_error(key_reused(), language)(scope, receive, send)
            return
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers
        ]
        headers.append((b"content-length", str(len(stored.body)).encode()))
        headers.append((REPLAY_HEADER.lower().encode(), b"true"))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body, "more_body": False})

    async def _run_and_record(
        self,
        record_id: int,
        db: Database,
        hasher: RequestHasher,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        settled = False

        async def settle(work: Callable[[], None]) -> None:
            nonlocal settled
            settled = True
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(work)

        async def buffer_and_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status = int(start["status"])
            body = b"".join(chunks)
            await hasher.drain(receive)
            if status >= 500 or status in RETRYABLE_STATUSES or not hasher.body_complete:
                await settle(lambda: release_key(db, record_id))
            else:
                headers = _storable_headers(start.get("headers", []))
                request_hash = hasher.hexdigest()
                await settle(
                    lambda: record_response(db, record_id, request_hash, status, headers, body)
                )
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        try:
            await self.app(scope, hasher.wrap(receive), buffer_and_send)
        finally:
            if not settled:
                # An exception, a cancelled request or no response at all: nothing to replay.
                await settle(lambda: release_key(db, record_id))


def _storable_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in raw
        if name.decode("latin-1").lower() not in UNSTORED_HEADERS
    ]


def _headers_from_json(stored: dict[str, Any] | None) -> list[tuple[str, str]]:
    # Stored as {"headers": [[name, value], ...]}: a list keeps repeated headers.
    pairs = (stored or {}).get("headers", [])
    return [(str(name), str(value)) for name, value in pairs]
