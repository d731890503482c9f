"""The claim notifications that also go by SMS (channels.md, SMS 2757: created, revision
requested, interview booked and reminders, paid, payout failed; issue 18 adds submitted), as
one short text each.

A text is rendered from the same outbox payload as the mail (claims.notifications.templates):
the claim's language, reference and params, and the absolute link to the claim's page built
from JHT_PUBLIC_URL when it is sent. It never carries a NIK or a KPJ, only the claim reference
and, once paid, the bank's code and the masked account number. With the link it must fit one
GSM-7 SMS (160 characters), which the dispatcher checks: each text is at most 73 characters
before the link for a 15-character reference, leaving 87 for the link (a JHT_PUBLIC_URL of up
to 43 characters, `/claims/` and the claim's UUID).

The texts are `str.format` patterns over: r (reference), link, when (the interview's date and
time), at (its time only), amount (the net paid), account (bank code and masked number),
days (the working days of the review).
"""

from __future__ import annotations

from claims.notifications.templates import Context, UnknownTemplate, rupiah, zoned

SMS_TEMPLATES: dict[str, tuple[str, str]] = {
    "claim_created": (
        "Klaim {r} dibuat. Lengkapi rekening & dokumen lalu ajukan: {link}",
        "Claim {r} created. Add your account & documents and submit: {link}",
    ),
    "claim_submitted": (
        "Klaim {r} terkirim; diperiksa dalam {days} hari kerja: {link}",
        "Claim {r} sent; it is reviewed within {days} working days: {link}",
    ),
    "revision_requested": (
        "Klaim {r} perlu diperbaiki; ajukan lagi dalam 30 hari: {link}",
        "Claim {r} needs corrections; resubmit within 30 days: {link}",
    ),
    "interview_booked": (
        "Wawancara klaim {r}: {when}. Bawa KTP asli. {link}",
        "Interview, claim {r}: {when}. Bring your KTP. {link}",
    ),
    "interview_rebooked": (
        "Wawancara klaim {r} dipindah ke {when}. {link}",
        "Interview, claim {r}, moved to {when}. {link}",
    ),
    "reminder_24h": (
        "Pengingat wawancara klaim {r}: {when}. {link}",
        "Reminder: interview, claim {r}, {when}. {link}",
    ),
    "reminder_1h": (
        "Wawancara klaim {r} mulai 1 jam lagi, {at}. {link}",
        "Interview, claim {r}, starts in 1 hour, {at}. {link}",
    ),
    "paid": (
        "Klaim {r} dibayar {amount} ke {account}. {link}",
        "Claim {r} paid: {amount} to {account}. {link}",
    ),
    "payout_failed": (
        "Transfer klaim {r} gagal. Isi rekening lain atas nama Anda: {link}",
        "Claim {r} payout failed. Give an account in your own name: {link}",
    ),
}


def short_time(c: Context, *, with_date: bool = True) -> str:
    """'23-11-2026 10.00 WIB' / '23-11-2026 10:00 WIB' (the interview's start), or only the
    time of day."""
    found = zoned(c.get("starts_at"), c.get("timezone"))
    if found is None:
        return str(c.get("starts_at"))
    local, label = found
    day = f"{local:%d-%m-%Y} " if with_date else ""
    return c.t(f"{day}{local:%H.%M} {label}", f"{day}{local:%H:%M} {label}")


def render_sms(template: str, c: Context) -> str:
    """The SMS text of a notification from its context (templates.message_context);
    UnknownTemplate for a template that has none."""
    pair = SMS_TEMPLATES.get(template)
    if pair is None:
        raise UnknownTemplate(template)
    return c.t(*pair).format(
        r=c.reference,
        link=c.claim_link,
        when=short_time(c),
        at=short_time(c, with_date=False),
        amount=rupiah(c.get("net")),
        account=f"{c.get('bank_code')} {c.get('account_number_masked')}".strip(),
        days=c.get("review_days") or 5,
    )
