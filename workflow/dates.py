"""Calendar arithmetic for the rules: months and years move by the calendar and clamp to the
month's end (1 month after 2026-01-31 is 2026-02-28), as the regulations count them."""

from __future__ import annotations

import calendar
import re
from datetime import date


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months (may be negative), clamped to the month's end."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = start.day
    if day > 28:  # every month has the first 28 days: only later ones may need clamping
        day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_years(start: date, years: int) -> date:
    """`start` moved by whole years; 29 February becomes 28 February in a common year."""
    return add_months(start, 12 * years)


def format_date_id(day: date) -> str:
    """A date as Indonesian pages show it: DD-MM-YYYY."""
    return day.strftime("%d-%m-%Y")


class UnreadableDate(ValueError):
    """A date as typed that we will not guess at. `code`: `two_digit_year` (is 07-12-91 in
    1991 or 2091?), `no_such_day` (31-02-1990: the parts are clear, the day does not exist)
    or `unknown_form` (anything else)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Day first as Indonesians write it (17-08-1985, 17/8/1985, 17.08.1985), or the ISO form with
# the year first (1985-08-17). A four-digit year is required: it is what tells the two apart.
_DAY_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})", re.ASCII)
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_SHORT_YEAR = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{2}", re.ASCII)


def parse_written_date(text: str) -> date:
    """A date typed by a person: DD-MM-YYYY, D/M/YYYY (with -, / or . between the parts) or
    YYYY-MM-DD. Raises UnreadableDate for anything else, a two-digit year among them: a
    month-first form (12/25/1990) reads as day 12 of month 25 and is refused as no such day."""
    written = text.strip()
    if match := _DAY_FIRST.fullmatch(written):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _YEAR_FIRST.fullmatch(written):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif _SHORT_YEAR.fullmatch(written):
        raise UnreadableDate("two_digit_year")
    else:
        raise UnreadableDate("unknown_form")
    try:
        return date(year, month, day)
    except ValueError:
        raise UnreadableDate("no_such_day") from None
