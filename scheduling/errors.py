"""Exceptions of the scheduling rules; each carries a stable machine-readable `code`.

They subclass ValueError because every one of them is a bad input (configuration or a
datetime without a zone), so callers that only know ValueError still catch them.
"""

from __future__ import annotations

from datetime import datetime


class SchedulingError(ValueError):
    """Base of the scheduling rule errors; `code` is what the API or CLI reports."""

    code = "scheduling_error"

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


class InvalidBranchCalendar(SchedulingError):
    """A branch's time zone or opening hours cannot be used."""

    code = "invalid_branch_calendar"


class InvalidVideoUrlTemplate(SchedulingError):
    """The configured video link template is not an http(s) URL with one `{room}`."""

    code = "invalid_video_url_template"


class NaiveDatetime(SchedulingError):
    """A datetime without a time zone reached the rules; we never guess the zone."""

    code = "naive_datetime"


def require_aware(moment: datetime, name: str) -> None:
    """Refuse naive datetimes: a wall time without a zone means three different instants here."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(
            f"{name} harus berisi zona waktu",
            f"{name} must be a timezone-aware datetime",
        )
