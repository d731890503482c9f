"""Delivering outbox rows of one kind after commit, for every channel that speaks to the
applicant (mail, SMS): the lease, the retries with a growing delay, and the closing.

Rows are claimed with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer at
a time) in one committed transaction, then each is handed to the channel's `deliver` and marked
done in its own transaction. A failed delivery is retried with a growing delay; after
MAX_ATTEMPTS, or at once when `deliver` raises Undeliverable (no retry could help), the row is
closed with its error, scrubbed of identifiers, and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from claims.jobs.lease import worker_name
from claims.models import OutboxMessage
from claims.redaction import describe_failure, redact
from claims.repositories.outbox import (
    complete_outbox_row,
    due_outbox_rows,
    lease_outbox_row,
    outbox_row,
    record_outbox_error,
    retry_outbox_row,
)

if TYPE_CHECKING:
    from claims.runtime import Runtime

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
MAX_ATTEMPTS = 10

# Sends one row's message; raises on failure (Undeliverable when retrying cannot help).
Deliver = Callable[[OutboxMessage], None]


class Undeliverable(Exception):
    """A message no retry can deliver (an unknown template, a receiver that refuses it for
    good): its row is closed with this error at once."""


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def dispatch_outbox(
    runtime: Runtime, kind: str, now: datetime, deliver: Deliver, *, limit: int = 500
) -> int:
    """Delivers the due rows of `kind`; answers how many were delivered or closed."""
    me = worker_name()
    handled = 0
    while handled < limit:
        ids = _claim_batch(runtime, kind, now, me, min(BATCH, limit - handled))
        if not ids:
            break
        for outbox_id in ids:
            handled += _deliver(runtime, kind, deliver, outbox_id, now)
        if len(ids) < BATCH:
            break
    return handled


def _claim_batch(runtime: Runtime, kind: str, now: datetime, me: str, size: int) -> list[int]:
    with runtime.db.unit_of_work() as session:
        messages = due_outbox_rows(session, kind, now, size)
        for message in messages:
            lease_outbox_row(message, me, now + LEASE)
        return [message.id for message in messages]


def _deliver(runtime: Runtime, kind: str, deliver: Deliver, outbox_id: int, now: datetime) -> int:
    with runtime.db.read_only() as session:
        message = outbox_row(session, outbox_id)
        assert message is not None
    error: str | None = None
    permanent = False
    try:
        deliver(message)
    except Undeliverable as refused:
        error, permanent = redact(str(refused)), True
    except Exception as failure:
        error = describe_failure(failure)  # a refusal may quote what it was sent
    with runtime.db.unit_of_work() as session:
        row = outbox_row(session, outbox_id)
        assert row is not None
        record_outbox_error(row, error)
        if error is None:
            complete_outbox_row(row, now)
            return 1
        if permanent or row.attempts >= MAX_ATTEMPTS:
            log.error(
                "%s %s given up after %d attempt(s): %s", kind, outbox_id, row.attempts, error
            )
            complete_outbox_row(row, now)
            return 1
        log.warning("%s %s not sent (attempt %d): %s", kind, outbox_id, row.attempts, error)
        retry_outbox_row(row, now + retry_delay(row.attempts))
        return 0
