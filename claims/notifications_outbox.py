"""Queueing applicant notifications: an outbox row written in the same transaction as the
change it announces, delivered after commit by the outbox dispatcher."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claims.models import Claim
from claims.repositories.outbox import add_outbox_row

NOTIFICATION = "notification"


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
