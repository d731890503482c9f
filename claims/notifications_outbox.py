"""Queueing applicant notifications: an outbox row written in the same transaction as the
change it announces, delivered after commit by the outbox dispatcher."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claims.models import Claim, OutboxMessage

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
    session.add(
        OutboxMessage(
            kind=NOTIFICATION,
            claim_id=claim.id,
            dedupe_key=f"notify:{claim.id}:{template}:{key or uuid.uuid4().hex}"[:120],
            payload={
                "template": template,
                "language": claim.language,
                "to": claim.email,
                "reference": claim.reference,
                "params": params or {},
            },
            created_at=now,
            available_at=now,
            attempts=0,
        )
    )
