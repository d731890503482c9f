"""Queueing an outgoing SMS (a reply to 2757, a sign-in code, a claim notification): an
outbox row of kind `sms`, written in the transaction of the change it announces and sent
after commit by the SMS dispatcher (claims.notifications.sms) to the configured sender
(`JHT_SMS`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claims.models import Claim
from claims.repositories.outbox import add_outbox_row
from workflow.sms_text import SMS_LIMIT, fits_one_sms

SMS = "sms"


class NotOneSms(ValueError):
    """A text over 160 GSM-7 characters, or with a character GSM-7 lacks: our own texts are
    written to fit, so this is a mistake in the code that wrote it, caught when queued."""


def enqueue_sms(
    session: Session,
    to: str,
    text: str,
    now: datetime,
    *,
    claim: Claim | None = None,
    key: str | None = None,
) -> None:
    """Queues `text` for the phone `to` (NotOneSms when it does not fit one SMS). `key`
    makes the message unique (a job or a replayed request that runs twice queues it once);
    by default every call queues a new one."""
    if not fits_one_sms(text):
        raise NotOneSms(f"an SMS is at most {SMS_LIMIT} GSM-7 characters: {text[:40]!r}...")
    add_outbox_row(
        session, claim, sms_row(claim.id if claim else None, to, {"text": text}, now, key)
    )


def sms_row(
    claim_id: str | None, to: str, content: dict[str, Any], now: datetime, key: str | None
) -> dict[str, Any]:
    """The outbox row of an SMS to `to`: `content` is `{text}`, or a notification template
    and its values (rendered when sent, claims.notifications.sms)."""
    return {
        "kind": SMS,
        "claim_id": claim_id,
        "dedupe_key": f"sms:{key or uuid.uuid4().hex}"[:120],
        "payload": {"to": to, **content},
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
