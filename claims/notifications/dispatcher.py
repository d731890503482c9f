"""The notification dispatcher: delivers the `notification` outbox rows to the configured sender.

Rows are claimed with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer at
a time) in one committed transaction, then each is rendered, sent, and marked done in its own
transaction. A failed send is retried with a growing delay; after MAX_ATTEMPTS, or for a
template that does not exist, the row is closed with its error and logged.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from claims.jobs.lease import worker_name
from claims.models import OutboxMessage
from claims.notifications.sender import FROM_ADDRESS, MAIL_DOMAIN, MailSender, sender_for
from claims.notifications.templates import UnknownTemplate, render
from claims.notifications_outbox import NOTIFICATION
from claims.redaction import describe_failure
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


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def build_message(message: OutboxMessage, now: datetime) -> EmailMessage:
    payload = message.payload
    rendered = render(
        str(payload.get("template", "")),
        payload.get("language"),
        str(payload.get("reference", "")),
        payload.get("params") or {},
        message.claim_id,
    )
    mail = EmailMessage()
    mail["From"] = FROM_ADDRESS
    mail["To"] = str(payload.get("to", ""))
    mail["Subject"] = rendered.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = f"<{message_name(message)}@{MAIL_DOMAIN}>"
    mail["X-JHT-Template"] = str(payload.get("template", ""))
    mail["X-JHT-Claim"] = str(payload.get("reference", ""))
    mail.set_content(rendered.body)
    # After set_content, which replaces the Content-* headers.
    mail["Content-Language"] = "en" if payload.get("language") == "en" else "id"
    return mail


def message_name(message: OutboxMessage) -> str:
    """Stable and file-safe: the same row always gives the same name."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"{message.id:010d}-{digest}"


def dispatch_notifications(
    runtime: Runtime,
    now: datetime,
    *,
    sender: MailSender | None = None,
    limit: int = 500,
) -> int:
    """Sends due messages; answers how many were delivered or closed."""
    mailer = sender or sender_for(runtime.settings)
    me = worker_name()
    handled = 0
    while handled < limit:
        ids = _claim_batch(runtime, now, me, min(BATCH, limit - handled))
        if not ids:
            break
        for outbox_id in ids:
            handled += _deliver(runtime, mailer, outbox_id, now)
        if len(ids) < BATCH:
            break
    return handled


def _claim_batch(runtime: Runtime, now: datetime, me: str, size: int) -> list[int]:
    with runtime.db.unit_of_work() as session:
        messages = due_outbox_rows(session, NOTIFICATION, now, size)
        for message in messages:
            lease_outbox_row(message, me, now + LEASE)
        return [message.id for message in messages]


def _deliver(runtime: Runtime, mailer: MailSender, outbox_id: int, now: datetime) -> int:
    with runtime.db.read_only() as session:
        message = outbox_row(session, outbox_id)
        assert message is not None
    error: str | None = None
    permanent = False
    try:
        mail = build_message(message, now)
        mailer.send(mail, message_name(message))
    except UnknownTemplate as unknown:
        error, permanent = f"unknown template {unknown}", True
    except Exception as failure:
        error = describe_failure(failure)  # an SMTP refusal may quote what it was sent
    with runtime.db.unit_of_work() as session:
        row = outbox_row(session, outbox_id)
        assert row is not None
        record_outbox_error(row, error)
        if error is None:
            complete_outbox_row(row, now)
            return 1
        if permanent or row.attempts >= MAX_ATTEMPTS:
            log.error(
                "notification %s given up after %d attempt(s): %s", outbox_id, row.attempts, error
            )
            complete_outbox_row(row, now)
            return 1
        log.warning("notification %s not sent (attempt %d): %s", outbox_id, row.attempts, error)
        retry_outbox_row(row, now + retry_delay(row.attempts))
        return 0
