"""The notification dispatcher: delivers the `notification` outbox rows as mail to the
configured sender (JHT_MAIL), with the lease and retries of claims.notifications.delivery.
A row whose template does not exist is closed with its error."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from claims.models import OutboxMessage
from claims.notifications.delivery import MAX_ATTEMPTS, Undeliverable, dispatch_outbox
from claims.notifications.sender import FROM_ADDRESS, MAIL_DOMAIN, MailSender, sender_for
from claims.notifications.templates import UnknownTemplate, render
from claims.notifications_outbox import NOTIFICATION

if TYPE_CHECKING:
    from claims.runtime import Runtime

__all__ = ["MAX_ATTEMPTS", "build_message", "dispatch_notifications", "message_name"]


def build_message(message: OutboxMessage, public_url: str) -> EmailMessage:
    """The mail of a notification row; its links start with `public_url` (JHT_PUBLIC_URL)."""
    payload = message.payload
    rendered = render(
        str(payload.get("template", "")),
        payload.get("language"),
        str(payload.get("reference", "")),
        payload.get("params") or {},
        message.claim_id,
        public_url=public_url,
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
    """Stable and file-safe: the same row always gives the same name (a mail's Message-ID, an
    SMS's message_id)."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"{message.id:010d}-{digest}"


def dispatch_notifications(
    runtime: Runtime,
    now: datetime,
    *,
    sender: MailSender | None = None,
    limit: int = 500,
) -> int:
    """Sends due mail; answers how many were delivered or closed."""
    mailer = sender or sender_for(runtime.settings)
    public_url = runtime.settings.public_url

    def deliver(message: OutboxMessage) -> None:
        try:
            mail = build_message(message, public_url)
        except UnknownTemplate as unknown:
            raise Undeliverable(f"unknown template {unknown}") from None
        mailer.send(mail, message_name(message))

    return dispatch_outbox(runtime, NOTIFICATION, now, deliver, limit=limit)
