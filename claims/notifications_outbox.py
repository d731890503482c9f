"""Queueing applicant notifications: outbox rows written in the same transaction as the
change they announce, delivered after commit by the dispatchers. Every notification is a
mail; those with an SMS text (claims.notifications.sms_templates) are also an SMS to the
claim's phone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claims.models import Claim
from claims.notifications.sms_templates import SMS_TEMPLATES
from claims.repositories.outbox import add_outbox_row
from claims.sms_outbox import sms_row

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
    for row in notification_rows(
        claim.id,
        claim.language,
        claim.email,
        claim.phone,
        claim.reference,
        template,
        now,
        params,
        key,
    ):
        add_outbox_row(session, claim, row)


def notification_rows(
    claim_id: str,
    language: str,
    email: str,
    phone: str | None,
    reference: str,
    template: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    key: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of a notification of the claim `claim_id` (see enqueue_notification):
    the mail, and the SMS when the template has one and the claim a phone. Both carry one
    dedupe key (the SMS's is the mail's with `sms:` before it), so they are queued together
    or not at all."""
    mail_key = f"notify:{claim_id}:{template}:{key or uuid.uuid4().hex}"
    content = {
        "template": template,
        "language": language,
        "reference": reference,
        "params": params or {},
    }
    rows = [
        {
            "kind": NOTIFICATION,
            "claim_id": claim_id,
            "dedupe_key": mail_key[:120],
            "payload": {**content, "to": email},
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        }
    ]
    if phone and template in SMS_TEMPLATES:
        rows.append(sms_row(claim_id, phone, content, now, mail_key))
    return rows
