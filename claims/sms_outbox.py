"""Queueing an outgoing SMS (a reply to 2757, a sign-in code, a claim notification): an
outbox row of kind `sms`, written in the transaction of the change it announces and sent
after commit by the SMS dispatcher to the configured sender (`JHT_SMS`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from claims.models import Claim
from claims.repositories.outbox import add_outbox_row

SMS = "sms"


def enqueue_sms(
    session: Session,
    to: str,
    text: str,
    now: datetime,
    *,
    claim: Claim | None = None,
    key: str | None = None,
) -> None:
    """Queues `text` for the phone `to`. `key` makes the message unique (a job or a replayed
    request that runs twice queues it once); by default every call queues a new one."""
    add_outbox_row(
        session,
        claim,
        {
            "kind": SMS,
            "claim_id": claim.id if claim is not None else None,
            "dedupe_key": f"sms:{key or uuid.uuid4().hex}"[:120],
            "payload": {"to": to, "text": text},
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        },
    )
