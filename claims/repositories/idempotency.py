"""The idempotency keys' repository: a key is claimed by an INSERT in its own short
transaction, the unique (scope, key) index deciding races on SQLite and PostgreSQL alike,
then either answered (its response stored for replay) or released.

The functions are synchronous: the HTTP middleware calls them in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from claims.db import Database
from claims.models import IdempotencyRecord

REPLAY_WINDOW = timedelta(hours=24)
# A key left in flight by a crashed process is taken over after this long; long enough for a
# 100 MB upload over a slow mobile link.
IN_FLIGHT_LEASE = timedelta(minutes=30)
MAX_PATH_LENGTH = 300  # the column's width
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
    """Stores the response of the request holding key `record_id`, for replays."""
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                state=DONE,
                request_hash=request_hash,
                response_status=status,
                # A list keeps repeated headers.
                response_headers={"headers": [list(pair) for pair in headers]},
                response_body=body,
            )
        )


def release_key(db: Database, record_id: int) -> None:
    """Frees the key `record_id` for a retry: its request left nothing to replay."""
    with db.unit_of_work() as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def purge_expired(db: Database, now: datetime) -> int:
    """Deletes keys past their 24 hours; for a daily job. Returns how many went."""
    with db.unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _headers_from_json(stored: dict[str, Any] | None) -> list[tuple[str, str]]:
    pairs = (stored or {}).get("headers", [])
    return [(str(name), str(value)) for name, value in pairs]
