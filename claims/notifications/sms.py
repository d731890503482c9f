"""SMS to applicants and participants (JHT_SMS): the outbox rows of kind `sms`
(claims.sms_outbox) delivered after commit, with the lease and retries of
claims.notifications.delivery, to one of two senders:

- `outbox` (the default): each message as `<message_id>.json` under the data folder
  (settings.outbox_sms_dir), the same JSON the provider would receive;
- `http(s)://...`: a provider adapter that POSTs `{"to", "text", "message_id"}` as JSON. A 2xx
  answer is delivered; a 5xx, 408 or 429, a timeout or a lost connection is tried again later
  with a growing delay; any other answer (a 4xx: the provider refuses the message) closes the
  row with its error.

`message_id` is made from the outbox row and is the same at every attempt, so a provider that
drops a repeated id sends each message once even when we resend after a crash or a timeout.

A row holds either the `text` itself (replies to 2757, sign-in codes) or a notification
template (claims.notifications.sms_templates) rendered when it is sent, so its link starts
with the JHT_PUBLIC_URL of the sending process. A text that is not one GSM-7 SMS is never sent
split: its row is closed with an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from claims.models import OutboxMessage
from claims.notifications.delivery import Undeliverable, dispatch_outbox
from claims.notifications.dispatcher import message_name
from claims.notifications.sender import write_atomically
from claims.notifications.sms_templates import render_sms
from claims.notifications.templates import UnknownTemplate, message_context
from claims.settings import Settings
from claims.sms_outbox import SMS
from workflow.sms_text import SMS_LIMIT, fits_one_sms

if TYPE_CHECKING:
    from claims.runtime import Runtime

# Answers that say "not now" rather than "never": tried again later.
RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    text: str
    message_id: str  # the same for every attempt of one outbox row

    def as_json(self) -> dict[str, str]:
        return {"to": self.to, "text": self.text, "message_id": self.message_id}


class SmsSender(Protocol):
    def send(self, sms: OutgoingSms) -> None:
        """Delivers `sms`. Raises Undeliverable when it is refused for good, anything else
        when it may be tried again."""
        ...


class FolderSmsSender:
    """Each message as `<message_id>.json` in `folder`; sending it again rewrites the file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sms: OutgoingSms) -> None:
        content = json.dumps(sms.as_json(), ensure_ascii=False, indent=2).encode()
        write_atomically(self.folder, f"{sms.message_id}.json", content)


class ProviderUnavailable(Exception):
    """The provider answered with an error that may pass (5xx, 408, 429)."""


class HttpSmsSender:
    """Posts each message to an SMS provider at `url`."""

    def __init__(self, url: str, *, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds

    def send(self, sms: OutgoingSms) -> None:
        # Timeouts and connection errors (httpx.TransportError) propagate: tried again later.
        answer = httpx.post(self.url, json=sms.as_json(), timeout=self.timeout_seconds)
        if answer.is_success:
            return
        # The status only: a provider may echo the message, and a sign-in code must not
        # reach the logs or `outbox.last_error`.
        status = f"the SMS provider answered {answer.status_code}"
        if answer.status_code >= 500 or answer.status_code in RETRY_STATUSES:
            raise ProviderUnavailable(status)
        raise Undeliverable(status)


def sms_sender_for(settings: Settings) -> SmsSender:
    if settings.sms == "outbox":
        return FolderSmsSender(settings.outbox_sms_dir)
    return HttpSmsSender(settings.sms)


def sms_text(payload: Mapping[str, Any], claim_id: str | None, public_url: str) -> str:
    """The text of an SMS row: its own `text`, or its notification template rendered with
    links under `public_url`. Undeliverable when there is none or it is not one GSM-7 SMS."""
    text = payload.get("text")
    if text is None:
        try:
            # The claim's own link; with a long JHT_PUBLIC_URL that does not fit one SMS, the
            # shorter link to /track rather than no SMS.
            for link_claim in dict.fromkeys((claim_id, None)):
                context = message_context(
                    payload.get("language"),
                    str(payload.get("reference", "")),
                    payload.get("params") or {},
                    link_claim,
                    public_url,
                )
                text = render_sms(str(payload.get("template", "")), context)
                if fits_one_sms(text):
                    break
        except UnknownTemplate as unknown:
            raise Undeliverable(f"no SMS template {unknown}") from None
    text = str(text)
    if not fits_one_sms(text):
        raise Undeliverable(f"not one SMS: over {SMS_LIMIT} GSM-7 characters or not GSM-7")
    return text


def dispatch_sms(
    runtime: Runtime,
    now: datetime,
    *,
    sender: SmsSender | None = None,
    limit: int = 500,
) -> int:
    """Sends due SMS; answers how many were delivered or closed."""
    texter = sender or sms_sender_for(runtime.settings)
    public_url = runtime.settings.public_url

    def deliver(message: OutboxMessage) -> None:
        to = str(message.payload.get("to") or "")
        if not to:
            raise Undeliverable("no phone number")
        text = sms_text(message.payload, message.claim_id, public_url)
        texter.send(OutgoingSms(to, text, message_name(message)))

    return dispatch_outbox(runtime, SMS, now, deliver, limit=limit)
