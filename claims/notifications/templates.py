"""The applicant's messages, in Bahasa Indonesia (`id`) and English (`en`), by template name.

A template is rendered from the outbox payload (claims.notifications_outbox): the claim's
`reference`, `language`, the `claim_id` (for the link to `<JHT_PUBLIC_URL>/claims/{id}`: every
link in a message is absolute, built when it is rendered) and `params`. The params
each template reads (missing ones render as blanks, never as an error):

| template | params |
|---|---|
| claim_created | - |
| revision_requested | items: [{doc_type, reason_code, note}] |
| interview_booked, interview_rebooked, reminder_24h, reminder_1h | starts_at, ends_at (ISO 8601), timezone (IANA, e.g. Asia/Jakarta), branch_code, branch_name, video_url |
| interview_missed | - |
| approved | gross, tax, net, reference (the payout's) |
| paid | net, reference (payout), bank_code, account_number_masked |
| payout_failed | reference (payout), reason (bank reason code, e.g. account_closed, or bank_account_not_own when the bank names another holder), note |
| rejected | reason_code, note |
| cancelled | reason (optional: interview_missed_twice, interview_not_rebooked, ...) |
| expiry_warning | expires_on (YYYY-MM-DD), days_left (optional) |
| expired | - |
| withdrawn_deceased | documents: [doc_type] (what a death claim asks for) |
| sign_in_code | code, minutes (a participant's or heir's one-time sign-in code; no claim link) |

Every word of a message is in the gettext catalogues (claims.catalogues, `claims/locales`):
`mail.<template>.<part>` (`mail.paid.subject`, `mail.paid.body1`, ...), the shared
`mail.link_line`, `mail.signature`, `mail.time`, `mail.date`, `mail.day.0`..`mail.day.6`,
`mail.month.1`..`mail.month.12`, and the reasons `mail.cancel_reason.*`, `mail.bank_reason.*`,
`mail.not_sent_reason.*`, their values as `{placeholders}`; a template asks for one with
`c.m("key", name=value)`. Document labels and review reasons come from the workflow's tables
(workflow.rules, workflow.reason_codes), which the pages share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from claims.catalogues import N_, Language, message
from workflow.reason_codes import parse_reason_code
from workflow.rules import DocumentType

Params = Mapping[str, Any]

ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
# The catalogue keys of the days of the week, Monday first (as datetime.weekday counts them).
DAYS = (
    N_("mail.day.0"),
    N_("mail.day.1"),
    N_("mail.day.2"),
    N_("mail.day.3"),
    N_("mail.day.4"),
    N_("mail.day.5"),
    N_("mail.day.6"),
)
# The catalogue keys of the months, by their number.
MONTHS = {
    1: N_("mail.month.1"),
    2: N_("mail.month.2"),
    3: N_("mail.month.3"),
    4: N_("mail.month.4"),
    5: N_("mail.month.5"),
    6: N_("mail.month.6"),
    7: N_("mail.month.7"),
    8: N_("mail.month.8"),
    9: N_("mail.month.9"),
    10: N_("mail.month.10"),
    11: N_("mail.month.11"),
    12: N_("mail.month.12"),
}
# Why a claim was cancelled, by the `reason` param (other reasons add no sentence).
CANCEL_REASONS = {
    "interview_missed_twice": N_("mail.cancel_reason.interview_missed_twice"),
    "interview_not_rebooked": N_("mail.cancel_reason.interview_not_rebooked"),
}
# Why the bank refused a transfer, by its reason code (an unknown code is shown as it is).
BANK_REASONS = {
    "account_closed": N_("mail.bank_reason.account_closed"),
    "name_mismatch": N_("mail.bank_reason.name_mismatch"),
    "account_not_found": N_("mail.bank_reason.account_not_found"),
}
# Failures found before any transfer was sent (the bank's account-name inquiry): the bank
# refused nothing, so the message says what it reported instead.
NOT_SENT_REASONS = {
    "bank_account_not_own": N_("mail.not_sent_reason.bank_account_not_own"),
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


class UnknownTemplate(KeyError):
    pass


def language_of(value: object) -> Language:
    return "en" if value == "en" else "id"


def rupiah(amount: object) -> str:
    try:
        value = int(str(amount))
    except ValueError:
        return str(amount)
    return "Rp " + f"{value:,}".replace(",", ".")


def bullet(text: str) -> str:
    return f"- {text}"


def zoned(moment_text: object, zone_name: object) -> tuple[datetime, str] | None:
    """The moment in the time zone `zone_name` and that zone's name as Indonesians say it
    (WIB, WITA, WIT); None when either cannot be read."""
    try:
        moment = datetime.fromisoformat(str(moment_text))
        zone = ZoneInfo(str(zone_name or "Asia/Jakarta"))
    except (ValueError, KeyError):
        return None
    local = moment.astimezone(zone)
    return local, ZONE_NAMES.get(str(zone_name), local.strftime("UTC%z"))


def time_of_day(local: datetime, zone_label: str, language: Language) -> str:
    """'10.00 WIB' / '10:00 WIB' (each language writes the time its own way)."""
    hour, minute = local.strftime("%H"), local.strftime("%M")
    return message("mail.time_of_day", language, hour=hour, minute=minute, zone=zone_label)


def local_time(moment_text: object, zone_name: object, language: Language) -> str:
    """'Senin, 23 November 2026 pukul 10.00 WIB' / 'Monday, 23 November 2026 at 10:00 WIB'."""
    found = zoned(moment_text, zone_name)
    if found is None:
        return str(moment_text)
    local, label = found
    return message(
        "mail.time",
        language,
        weekday=message(DAYS[local.weekday()], language),
        date=written_date(local.date(), language),
        time=time_of_day(local, label, language),
    )


def written_date(day: date, language: Language) -> str:
    """'23 November 2026'."""
    month = message(MONTHS[day.month], language)
    return message("mail.date", language, day=day.day, month=month, year=day.year)


def local_date(day_text: object, language: Language) -> str:
    try:
        day = date.fromisoformat(str(day_text))
    except ValueError:
        return str(day_text)
    return written_date(day, language)


def reason_text(code: object, note: object, language: Language) -> str:
    reason = parse_reason_code(str(code or ""))
    text = (
        (reason.explanation_id if language == "id" else reason.explanation_en)
        if reason
        else str(code or "")
    )
    extra = str(note or "").strip()
    return f"{text} ({extra})" if extra and text else (text or extra)


def document_label(doc_type: object, language: Language) -> str:
    try:
        kind = DocumentType(str(doc_type))
    except ValueError:
        return str(doc_type)
    return kind.label_id if language == "id" else kind.label_en


@dataclass(frozen=True)
class Context:
    language: Language
    reference: str
    claim_link: str
    params: Params

    def get(self, name: str) -> Any:
        return self.params.get(name, "")

    def m(self, key: str, **values: object) -> str:
        """The catalogue's message `key` in the message's language, `values` filled in."""
        return message(key, self.language, **values)

    def link_line(self) -> str:
        return self.m("mail.link_line", link=self.claim_link)


def _claim_created(c: Context) -> tuple[str, list[str]]:
    return c.m("mail.claim_created.subject", reference=c.reference), [
        c.m("mail.claim_created.body1", reference=c.reference),
        c.m("mail.claim_created.body2"),
        c.link_line(),
    ]


def _claim_submitted(c: Context) -> tuple[str, list[str]]:
    days = c.get("review_days")
    due_on = c.get("due_on")
    review = (
        c.m("mail.claim_submitted.body3_due", days=days, due=local_date(due_on, c.language))
        if due_on
        else c.m("mail.claim_submitted.body3", days=days)
    )
    return c.m("mail.claim_submitted.subject", reference=c.reference), [
        c.m("mail.claim_submitted.body1", reference=c.reference),
        c.m("mail.claim_submitted.body2"),
        bullet(review),
        bullet(c.m("mail.claim_submitted.body4")),
        bullet(c.m("mail.claim_submitted.body5", days=days)),
        c.link_line(),
    ]


def _revision_requested(c: Context) -> tuple[str, list[str]]:
    items = c.params.get("items") or []
    lines = [c.m("mail.revision_requested.body1", reference=c.reference)]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            label = document_label(item.get("doc_type"), c.language)
            why = reason_text(item.get("reason_code"), item.get("note"), c.language)
            lines.append(bullet(f"{label}: {why}"))
    lines.append(c.m("mail.revision_requested.body2"))
    lines.append(c.link_line())
    return c.m("mail.revision_requested.subject", reference=c.reference), lines


def _interview_lines(c: Context) -> list[str]:
    return [
        c.m(
            "mail.interview.time",
            when=local_time(c.get("starts_at"), c.get("timezone"), c.language),
        ),
        c.m("mail.interview.branch", branch=c.get("branch_name") or c.get("branch_code")),
        c.m("mail.interview.video", url=c.get("video_url")),
    ]


# The subject and the opening line of each interview message, by template (the rest is shared).
INTERVIEW_HEADS = {
    "interview_booked": (
        N_("mail.interview_booked.subject"),
        N_("mail.interview_booked.body1"),
    ),
    "interview_rebooked": (
        N_("mail.interview_rebooked.subject"),
        N_("mail.interview_rebooked.body1"),
    ),
    "reminder_24h": (N_("mail.reminder_24h.subject"), N_("mail.reminder_24h.body1")),
    "reminder_1h": (N_("mail.reminder_1h.subject"), N_("mail.reminder_1h.body1")),
}


def _interview(kind: str) -> Callable[[Context], tuple[str, list[str]]]:
    subject, head = INTERVIEW_HEADS[kind]

    def render(c: Context) -> tuple[str, list[str]]:
        return c.m(subject, reference=c.reference), [
            c.m(head),
            *_interview_lines(c),
            c.m("mail.interview.ready"),
            c.link_line(),
        ]

    return render


def _interview_missed(c: Context) -> tuple[str, list[str]]:
    return c.m("mail.interview_missed.subject", reference=c.reference), [
        c.m("mail.interview_missed.body1"),
        c.link_line(),
    ]


def _approved(c: Context) -> tuple[str, list[str]]:
    return c.m("mail.approved.subject", reference=c.reference), [
        c.m("mail.approved.body1"),
        c.m("mail.approved.gross", amount=rupiah(c.get("gross"))),
        c.m("mail.approved.tax", amount=rupiah(c.get("tax"))),
        c.m("mail.approved.net", amount=rupiah(c.get("net"))),
        c.m("mail.approved.body2"),
        c.link_line(),
    ]


def _paid(c: Context) -> tuple[str, list[str]]:
    account = f"{c.get('bank_code')} {c.get('account_number_masked')}".strip()
    return c.m("mail.paid.subject", reference=c.reference), [
        c.m("mail.paid.body1", amount=rupiah(c.get("net")), account=account),
        c.m("mail.paid.body2", payout_reference=c.get("reference")),
        c.link_line(),
    ]


def _payout_failed(c: Context) -> tuple[str, list[str]]:
    code = str(c.get("reason"))
    if code in NOT_SENT_REASONS:
        what = c.m(NOT_SENT_REASONS[code])
    else:
        why = c.m(BANK_REASONS[code]) if code in BANK_REASONS else code
        what = c.m("mail.payout_failed.body1_refused", reason=why)
    return c.m("mail.payout_failed.subject", reference=c.reference), [
        what,
        c.m("mail.payout_failed.body2"),
        c.link_line(),
    ]


def _rejected(c: Context) -> tuple[str, list[str]]:
    why = reason_text(c.get("reason_code"), c.get("note"), c.language)
    return c.m("mail.rejected.subject", reference=c.reference), [
        c.m("mail.rejected.body1"),
        c.m("mail.rejected.body2", reason=why),
        c.link_line(),
    ]


def _cancelled(c: Context) -> tuple[str, list[str]]:
    code = str(c.get("reason"))
    lines = [c.m("mail.cancelled.body1", reference=c.reference)]
    if code in CANCEL_REASONS:
        lines.append(c.m(CANCEL_REASONS[code]))
    lines.append(c.m("mail.cancelled.body2"))
    lines.append(c.link_line())
    return c.m("mail.cancelled.subject", reference=c.reference), lines


def _expiry_warning(c: Context) -> tuple[str, list[str]]:
    when = local_date(c.get("expires_on"), c.language)
    return c.m("mail.expiry_warning.subject", reference=c.reference), [
        c.m("mail.expiry_warning.body1", date=when),
        c.link_line(),
    ]


def _expired(c: Context) -> tuple[str, list[str]]:
    return c.m("mail.expired.subject", reference=c.reference), [c.m("mail.expired.body1")]


def _withdrawn_deceased(c: Context) -> tuple[str, list[str]]:
    # Read by a family in mourning, or by a participant the registry got wrong: it says what
    # happened and what the heirs can do, and how to correct a mistake, without pressing.
    documents = c.params.get("documents") or []
    return c.m("mail.withdrawn_deceased.subject", reference=c.reference), [
        c.m("mail.withdrawn_deceased.body1", reference=c.reference),
        c.m("mail.withdrawn_deceased.body2"),
        c.m("mail.withdrawn_deceased.body3"),
        *(
            bullet(document_label(doc_type, c.language))
            for doc_type in (documents if isinstance(documents, list) else [])
        ),
        c.m("mail.withdrawn_deceased.body4"),
        c.link_line(),
    ]


def _sign_in_code(c: Context) -> tuple[str, list[str]]:
    return c.m("mail.sign_in_code.subject"), [
        c.m("mail.sign_in_code.body1", code=c.get("code")),
        c.m("mail.sign_in_code.body2", minutes=c.get("minutes")),
        c.m("mail.sign_in_code.body3"),
    ]


TEMPLATES: dict[str, Callable[[Context], tuple[str, list[str]]]] = {
    "claim_created": _claim_created,
    "claim_submitted": _claim_submitted,
    "revision_requested": _revision_requested,
    "interview_booked": _interview("interview_booked"),
    "interview_rebooked": _interview("interview_rebooked"),
    "reminder_24h": _interview("reminder_24h"),
    "reminder_1h": _interview("reminder_1h"),
    "interview_missed": _interview_missed,
    "approved": _approved,
    "paid": _paid,
    "payout_failed": _payout_failed,
    "rejected": _rejected,
    "cancelled": _cancelled,
    "expiry_warning": _expiry_warning,
    "expired": _expired,
    "withdrawn_deceased": _withdrawn_deceased,
    "sign_in_code": _sign_in_code,
}


def claim_link(public_url: str, claim_id: str | None) -> str:
    """The absolute address of the claim's page (the tracking page when there is no claim):
    a message is read outside the site, so a relative link would lead nowhere."""
    base = public_url.rstrip("/")
    return f"{base}/claims/{claim_id}" if claim_id else f"{base}/track"


def render(
    template: str,
    language: object,
    reference: str,
    params: Params | None,
    claim_id: str | None,
    *,
    public_url: str,
) -> RenderedMessage:
    """The subject and plain-text body, its links under `public_url` (JHT_PUBLIC_URL);
    UnknownTemplate for a name not listed above."""
    renderer = TEMPLATES.get(template)
    if renderer is None:
        raise UnknownTemplate(template)
    context = message_context(language, reference, params, claim_id, public_url)
    subject, lines = renderer(context)
    return RenderedMessage(subject, "\n\n".join([*lines, context.m("mail.signature")]) + "\n")


def message_context(
    language: object, reference: str, params: Params | None, claim_id: str | None, public_url: str
) -> Context:
    """What a template of any channel (mail, SMS) is rendered from."""
    return Context(language_of(language), reference, claim_link(public_url, claim_id), params or {})
