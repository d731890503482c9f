"""Words and formats of the pages: Bahasa Indonesia first, English on request (a `lang` query
parameter, remembered in a `lang` cookie). Dates are DD-MM-YYYY, money `Rp 80.000.000`, and
interview times in the branch's own zone (WIB, WITA, WIT)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import Request

from claims.casework.claim_fields import HEIR_RELATIONSHIPS, HeirRelationship
from claims.catalogues import N_, message
from claims.catalogues import Language as Language  # the pages name it from here
from claims.clock import WIB
from workflow.dates import format_date_id
from workflow.heirs import HEIR_RELATIONSHIP_LABELS as RELATIONSHIP_WORDS
from workflow.states import ClaimReason, ClaimStatus

LANG_COOKIE = "lang"
LANGUAGES: tuple[Language, ...] = ("id", "en")

ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_PAGE_DATE = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")


def requested_language(request: Request) -> Language | None:
    """The language named by `?lang=`, if it names one we speak."""
    asked = request.query_params.get("lang", "")
    if asked == "en":
        return "en"
    return "id" if asked == "id" else None


def page_language(request: Request) -> Language:
    """`?lang=` first, then the remembered cookie, else Bahasa Indonesia."""
    asked = requested_language(request)
    if asked is not None:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    return "en" if remembered == "en" else "id"


def rupiah(amount: int) -> str:
    """Whole rupiah the way people write it: `Rp 80.000.000`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def page_date(day: date | None) -> str:
    return format_date_id(day) if day else ""


def parse_page_date(text: str) -> date | None:
    """DD-MM-YYYY (also with / or .), the form people know; None when it is not a date."""
    match = _PAGE_DATE.match(text or "")
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def zone_abbreviation(timezone: str) -> str:
    return ZONE_ABBREVIATIONS.get(timezone, timezone)


def local_time(moment: datetime, timezone: str, language: Language) -> str:
    """`Selasa, 17-11-2026 09:00 WITA`: the day, date and time where the branch is."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = DAY_NAMES[language][local.weekday()]
    return f"{day}, {local:%d-%m-%Y %H:%M} {zone_abbreviation(timezone)}"


def local_span(starts: datetime, ends: datetime, timezone: str, language: Language) -> str:
    """`Selasa, 17-11-2026 09:00–09:30 WITA`: an interview slot where the branch is."""
    local_start = starts.astimezone(ZoneInfo(timezone))
    local_end = ends.astimezone(ZoneInfo(timezone))
    day = DAY_NAMES[language][local_start.weekday()]
    return f"{day}, {local_start:%d-%m-%Y %H:%M}–{local_end:%H:%M} {zone_abbreviation(timezone)}"


def wib_time(moment: datetime) -> str:
    return f"{moment.astimezone(WIB):%d-%m-%Y %H:%M} WIB"


def reason_label(reason: str, language: Language) -> str:
    try:
        kind = ClaimReason(reason)
    except ValueError:
        return reason
    return kind.label_en if language == "en" else kind.label_id


# The catalogue keys of the labels (claims/locales), each written out for the extraction.
STATUS_KEYS: dict[ClaimStatus, str] = {
    ClaimStatus.documents_pending: N_("status.documents_pending"),
    ClaimStatus.under_review: N_("status.under_review"),
    ClaimStatus.revision_requested: N_("status.revision_requested"),
    ClaimStatus.interview_scheduled: N_("status.interview_scheduled"),
    ClaimStatus.interview_missed: N_("status.interview_missed"),
    ClaimStatus.awaiting_approval: N_("status.awaiting_approval"),
    ClaimStatus.approved: N_("status.approved"),
    ClaimStatus.payout_failed: N_("status.payout_failed"),
    ClaimStatus.paid: N_("status.paid"),
    ClaimStatus.rejected: N_("status.rejected"),
    ClaimStatus.cancelled: N_("status.cancelled"),
    ClaimStatus.expired: N_("status.expired"),
}
DOCUMENT_STATUS_KEYS = {
    "missing": N_("document_status.missing"),
    "uploaded": N_("document_status.uploaded"),
    "accepted": N_("document_status.accepted"),
    "rejected": N_("document_status.rejected"),
}
TRACKING_STATE_KEYS = {
    "in_progress": N_("tracking_state.in_progress"),
    "action_required": N_("tracking_state.action_required"),
    "completed": N_("tracking_state.completed"),
    "rejected": N_("tracking_state.rejected"),
    "cancelled": N_("tracking_state.cancelled"),
    "expired": N_("tracking_state.expired"),
}
MISSING_DATA_KEYS = {
    "bank_account": N_("missing.bank_account"),
    "npwp_number": N_("missing.npwp_number"),
}


def both(key: str) -> tuple[str, str]:
    """The message `key` as an (Indonesian, English) pair, for `pick`."""
    return message(key, "id"), message(key, "en")


DOCUMENT_STATUS_LABELS = {name: both(key) for name, key in DOCUMENT_STATUS_KEYS.items()}
TRACKING_STATE_LABELS = {name: both(key) for name, key in TRACKING_STATE_KEYS.items()}
MISSING_DATA_LABELS = {name: both(key) for name, key in MISSING_DATA_KEYS.items()}
# One label for each of HEIR_RELATIONSHIPS (tests/unit/test_claim_fields.py checks), as the
# heir order of workflow.heirs names them for the officer too.
HEIR_RELATIONSHIP_LABELS: dict[HeirRelationship, tuple[str, str]] = {
    code: RELATIONSHIP_WORDS[code] for code in HEIR_RELATIONSHIPS
}


def status_label(status: str, language: Language) -> str:
    try:
        key = STATUS_KEYS[ClaimStatus(status)]
    except ValueError:
        return status
    return message(key, language)


def pick(pair: tuple[str, str], language: Language) -> str:
    return pair[1] if language == "en" else pair[0]


def translate(key: str, language: Language, **values: object) -> str:
    """The page words `key` in `language` from the catalogues (claims.catalogues)."""
    return message(key, language, **values)
