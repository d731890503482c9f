"""Queueing applicant notifications: an outbox row written in the same transaction as the
change it announces, delivered after commit by the outbox dispatcher."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session

from claims.db import driver_execute, insert_of
from claims.models import Claim, OutboxMessage

NOTIFICATION = "notification"
# Outbox rows are append-only here: one INSERT on the session's connection, without an ORM
# object and the flush machinery around it (`insert_of`: compiled once per set of columns).
OUTBOX = cast(Table, OutboxMessage.__table__)


def add_outbox_row(session: Session, claim: Claim | None, row: dict[str, Any]) -> None:
    """Writes one outbox row at once (a duplicate `dedupe_key` raises IntegrityError here,
    not at the next flush). A claim not yet in the database is flushed first."""
    if claim is not None and inspect(claim).pending:
        session.flush()
    row.setdefault("locked_by", None)
    row.setdefault("locked_until", None)
    row.setdefault("done_at", None)
    row.setdefault("last_error", None)
    driver_execute(session.connection(), insert_of(OUTBOX, row), row)


def enqueue_notification(
    session: Session,
    claim: Claim,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    *,
    key: str | None = None,
) -> None:
    """`key` makes the message unique (a job that runs twice queues it once); by default
    every call queues a new message."""
    add_outbox_row(
        session,
        claim,
        notification_row(
            claim.id, claim.language, claim.email, claim.reference, template, now, params, key
        ),
    )


def notification_row(
    claim_id: str,
    language: str,
    email: str,
    reference: str,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """The outbox row of a notification of the claim `claim_id` (see enqueue_notification)."""
    return {
        "kind": NOTIFICATION,
        "claim_id": claim_id,
        "dedupe_key": f"notify:{claim_id}:{template}:{key or uuid.uuid4().hex}"[:120],
        "payload": {
            "template": template,
            "language": language,
            "to": email,
            "reference": reference,
            "params": params or {},
        },
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
