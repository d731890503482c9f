"""Calendar arithmetic for the rules: months and years move by the calendar and clamp to the
month's end (1 month after 2026-01-31 is 2026-02-28), as the regulations count them."""

from __future__ import annotations

import calendar
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
