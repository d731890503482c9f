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

from claims.catalogues import N_, message
from claims.notifications.templates import (
    Context,
    UnknownTemplate,
    rupiah,
    time_of_day,
    zoned,
)

# The notifications that also go by SMS, and the catalogue key of each one's text
# (claims/locales, `sms.*`: each must fit one GSM-7 SMS with its values filled in).
SMS_TEMPLATES: dict[str, str] = {
    "claim_created": N_("sms.claim_created"),
    "claim_submitted": N_("sms.claim_submitted"),
    "revision_requested": N_("sms.revision_requested"),
    "interview_booked": N_("sms.interview_booked"),
    "interview_rebooked": N_("sms.interview_rebooked"),
    "reminder_24h": N_("sms.reminder_24h"),
    "reminder_1h": N_("sms.reminder_1h"),
    "paid": N_("sms.paid"),
    "payout_failed": N_("sms.payout_failed"),
}


def short_time(c: Context, *, with_date: bool = True) -> str:
    """'23-11-2026 10.00 WIB' / '23-11-2026 10:00 WIB' (the interview's start), or only the
    time of day."""
    found = zoned(c.get("starts_at"), c.get("timezone"))
    if found is None:
        return str(c.get("starts_at"))
    local, label = found
    day = f"{local:%d-%m-%Y} " if with_date else ""
    return day + time_of_day(local, label, c.language)


def render_sms(template: str, c: Context) -> str:
    """The SMS text of a notification from its context (templates.message_context);
    UnknownTemplate for a template that has none."""
    key = SMS_TEMPLATES.get(template)
    if key is None:
        raise UnknownTemplate(template)
    return message(key, "en" if c.language == "en" else "id").format(
        r=c.reference,
        link=c.claim_link,
        when=short_time(c),
        at=short_time(c, with_date=False),
        amount=rupiah(c.get("net")),
        account=f"{c.get('bank_code')} {c.get('account_number_masked')}".strip(),
        days=c.get("review_days"),
    )
