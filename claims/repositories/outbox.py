"""The outbox repository: side effects that leave the process (bank transfers, mail) as rows
written in the transaction of the change that causes them, then claimed, leased and closed by
the dispatchers after commit. Claims, bookings and payouts all write here, so it stands on
its own below their repositories."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, inspect, or_, select
from sqlalchemy.orm import Session

from claims.db import driver_execute, insert_of
from claims.models import Claim, OutboxMessage
from claims.redaction import redact

# Outbox rows are append-only here: one INSERT on the session's connection, without an ORM
# object and the flush machinery around it (`insert_of`: compiled once per set of columns).
_OUTBOX = cast(Table, OutboxMessage.__table__)
_ERROR_LENGTH = 2000


def add_outbox_row(session: Session, claim: Claim | None, row: dict[str, Any]) -> None:
    """Writes one outbox row at once (a duplicate `dedupe_key` raises IntegrityError here,
    not at the next flush). A claim not yet in the database is flushed first."""
    if claim is not None and inspect(claim).pending:
        session.flush()
    row.setdefault("locked_by", None)
    row.setdefault("locked_until", None)
    row.setdefault("done_at", None)
    row.setdefault("last_error", None)
    driver_execute(session.connection(), insert_of(_OUTBOX, row), row)


def due_outbox_rows(
    session: Session, kind: str, now: datetime, limit: int, *, skipping: Collection[int] = ()
) -> list[OutboxMessage]:
    """Up to `limit` rows of `kind` due by `now` and not leased to a live worker, oldest
    first, without the ids in `skipping`. On PostgreSQL they stay locked (FOR UPDATE SKIP
    LOCKED) until the transaction ends, so concurrent dispatchers take different rows;
    SQLite has one writer at a time."""
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.available_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        )
        .order_by(OutboxMessage.available_at, OutboxMessage.id)
        .limit(limit)
    )
    if skipping:
        statement = statement.where(OutboxMessage.id.not_in(skipping))
    if session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def outbox_row(session: Session, outbox_id: int) -> OutboxMessage | None:
    """The outbox row `outbox_id`, or None."""
    return session.get(OutboxMessage, outbox_id)


def lease_outbox_row(message: OutboxMessage, worker: str, until: datetime) -> None:
    """Leaves the row to `worker` until `until` and counts the attempt; a worker that dies
    holding it leaves it to the next one once the lease runs out."""
    message.locked_by = worker
    message.locked_until = until
    message.attempts += 1


def complete_outbox_row(message: OutboxMessage, now: datetime) -> None:
    """The row is carried out (or closed for good): never claimed again."""
    _release(message)
    message.done_at = now


def retry_outbox_row(message: OutboxMessage, at: datetime) -> None:
    """The row is given back, to be claimed again from `at`."""
    _release(message)
    message.available_at = at


def record_outbox_error(message: OutboxMessage, error: str | None) -> None:
    """What went wrong at the row's last attempt (None: nothing), without the identifiers or
    tokens that database, SMTP and bank errors quote (claims.redaction)."""
    message.last_error = None if error is None else redact(error)[:_ERROR_LENGTH]


def _release(message: OutboxMessage) -> None:
    message.locked_by = None
    message.locked_until = None


def queued_payload(session: Session, dedupe_key: str) -> dict[str, Any] | None:
    """The payload of the outbox row queued under `dedupe_key`, or None."""
    payload = session.scalar(
        select(OutboxMessage.payload).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    return None if payload is None else dict(payload)
