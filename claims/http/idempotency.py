"""`Idempotency-Key` for every POST and PUT (api.md): a replay within 24 hours gets the first
response without the work being done again. Pure ASGI, so upload bodies stream through: the
request body is hashed as the application reads it, never held in memory.

Keys are claimed, answered and released by `claims.repositories.idempotency`. The scope is a
hash of the caller's credential (or its address when anonymous), so two callers' keys never
collide. A stored answer never holds a credential (`CREDENTIAL_FIELDS`): anonymous callers
behind one address share a scope, and the claims table itself keeps only a token's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claims.db import Database
from claims.errors import Conflict, ServiceError, refusal
from claims.http.csrf import claim_cookie_token, participant_cookie_token
from claims.http.problems import Language, preferred_language, render_workflow_error
from claims.repositories.idempotency import (
    DONE,
    IN_FLIGHT_LEASE,
    REPLAY_WINDOW,
    StoredResponse,
    claim_key,
    record_response,
    release_key,
)
from claims.runtime import Runtime

IDEMPOTENT_METHODS = frozenset({"POST", "PUT"})
MAX_KEY_LENGTH = 200  # the column's width
# Not worth replaying: hop-by-hop or recomputed headers, and cookies (a credential must not be
# handed out again from storage).
UNSTORED_HEADERS = frozenset(
    {"content-length", "date", "server", "set-cookie", "transfer-encoding", "connection"}
)
# A response with these statuses changed nothing and may well differ next time (another
# request was busy, a rate limit), so the key is released for a retry, as for 5xx.
RETRYABLE_STATUSES = frozenset({409, 429})
REPLAY_HEADER = "Idempotent-Replayed"
# Top-level fields of a JSON answer that hold a credential (the new claim's access token):
# stored, and so replayed, as null. A replay goes to whoever sends the same key and body in
# the same scope, which for anonymous callers is everyone behind one address; and a token kept
# in the clear for 24 hours would undo keeping only its hash in the claims table. The first
# answer shows the token once; a replay says so by its null (api-guide.md).
CREDENTIAL_FIELDS = ("access_token",)


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
    if authorization:
        source = "authorization:" + authorization
    elif cookie := claim_cookie_token(request):
        source = "cookie:" + cookie
    elif session := participant_cookie_token(request):
        source = "session:" + session
    else:
        source = "client:" + (request.client.host if request.client else "unknown")
    return hashlib.sha256(source.encode()).hexdigest()


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
        # Rows stored before credentials were left out may still hold one for their 24 hours.
        body = without_credentials(stored.headers, stored.body)
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((REPLAY_HEADER.lower().encode(), b"true"))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

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
                stored = without_credentials(headers, body)
                await settle(
                    lambda: record_response(db, record_id, request_hash, status, headers, stored)
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


def without_credentials(headers: list[tuple[str, str]], body: bytes) -> bytes:
    """`body` as it may be stored: a JSON object's `CREDENTIAL_FIELDS` set to null, written
    as Starlette's JSONResponse writes it. Anything else is stored as it is."""
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    if not content_type.startswith("application/json") or not any(
        f'"{name}"'.encode() in body for name in CREDENTIAL_FIELDS
    ):
        return body
    document = json.loads(body)
    if not isinstance(document, dict):
        return body
    for name in CREDENTIAL_FIELDS:
        if name in document:
            document[name] = None
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
