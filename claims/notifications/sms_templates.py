"""The claim notifications that also go by SMS (channels.md, SMS 2757: created, revision
requested, interview booked and reminders, paid, payout failed), as one short text each.

A text is rendered from the same outbox payload as the mail (claims.notifications.templates):
the claim's language, reference and params, and the absolute link to the claim's page built
from JHT_PUBLIC_URL when it is sent. It never carries a NIK or a KPJ, only the claim reference;
with the link it must fit one GSM-7 SMS (160 characters), which the dispatcher checks.
"""

from __future__ import annotations

from collections.abc import Callable

from claims.notifications.templates import (
    Context,
    Params,
    UnknownTemplate,
    claim_link,
    language_of,
    rupiah,
    zoned,
)


def short_time(c: Context) -> str:
    """'23-11-2026 pukul 10.00 WIB' / '23-11-2026 at 10:00 WIB': the interview's start."""
    found = zoned(c.get("starts_at"), c.get("timezone"))
    if found is None:
        return str(c.get("starts_at"))
    local, label = found
    return c.t(
        f"{local:%d-%m-%Y} pukul {local:%H.%M} {label}",
        f"{local:%d-%m-%Y} at {local:%H:%M} {label}",
    )


def _claim_created(c: Context) -> str:
    return c.t(
        f"Klaim JHT {c.reference} dibuat. Lengkapi rekening & dokumen lalu ajukan: {c.claim_link}",
        f"JHT claim {c.reference} created. Add your bank account and documents, then submit: "
        f"{c.claim_link}",
    )


def _revision_requested(c: Context) -> str:
    return c.t(
        f"Klaim {c.reference} perlu diperbaiki; ajukan lagi dalam 30 hari: {c.claim_link}",
        f"Claim {c.reference} needs corrections; resubmit within 30 days: {c.claim_link}",
    )


def _interview_booked(c: Context) -> str:
    return c.t(
        f"Wawancara video klaim {c.reference}: {short_time(c)}. Bawa KTP asli. {c.claim_link}",
        f"Video interview, claim {c.reference}: {short_time(c)}. Bring your KTP. {c.claim_link}",
    )


def _interview_rebooked(c: Context) -> str:
    return c.t(
        f"Wawancara klaim {c.reference} dipindah ke {short_time(c)}. {c.claim_link}",
        f"Interview for claim {c.reference} moved to {short_time(c)}. {c.claim_link}",
    )


def _reminder_24h(c: Context) -> str:
    return c.t(
        f"Pengingat: wawancara klaim {c.reference} {short_time(c)}. Bawa KTP asli. {c.claim_link}",
        f"Reminder: claim {c.reference} interview {short_time(c)}. Bring your KTP. {c.claim_link}",
    )


def _reminder_1h(c: Context) -> str:
    return c.t(
        f"Wawancara klaim {c.reference} mulai 1 jam lagi, {short_time(c)}. {c.claim_link}",
        f"Claim {c.reference} interview starts in 1 hour, {short_time(c)}. {c.claim_link}",
    )


def _paid(c: Context) -> str:
    account = f"{c.get('bank_code')} {c.get('account_number_masked')}".strip()
    return c.t(
        f"Klaim {c.reference} dibayar: {rupiah(c.get('net'))} ke rekening {account}. "
        f"{c.claim_link}",
        f"Claim {c.reference} paid: {rupiah(c.get('net'))} to account {account}. {c.claim_link}",
    )


def _payout_failed(c: Context) -> str:
    return c.t(
        f"Pembayaran klaim {c.reference} gagal. Beri rekening lain atas nama Anda: {c.claim_link}",
        f"Payout of claim {c.reference} failed. Give an account in your own name: {c.claim_link}",
    )


SMS_TEMPLATES: dict[str, Callable[[Context], str]] = {
    "claim_created": _claim_created,
    "revision_requested": _revision_requested,
    "interview_booked": _interview_booked,
    "interview_rebooked": _interview_rebooked,
    "reminder_24h": _reminder_24h,
    "reminder_1h": _reminder_1h,
    "paid": _paid,
    "payout_failed": _payout_failed,
}


def render_sms(
    template: str,
    language: object,
    reference: str,
    params: Params | None,
    claim_id: str | None,
    *,
    public_url: str,
) -> str:
    """The SMS text of a notification; UnknownTemplate for a template that has none."""
    renderer = SMS_TEMPLATES.get(template)
    if renderer is None:
        raise UnknownTemplate(template)
    return renderer(
        Context(language_of(language), reference, claim_link(public_url, claim_id), params or {})
    )
