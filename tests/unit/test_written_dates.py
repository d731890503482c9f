"""Dates as people type them (workflow.dates.parse_written_date, the pages' date fields):
DD-MM-YYYY, D/M/YYYY and YYYY-MM-DD read back to the day they were written from; a two-digit
year, a day that does not exist and anything else are refused with the reason."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.pages.i18n import page_date, parse_page_date
from workflow.dates import UnreadableDate, format_date_id, parse_written_date

DAYS = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
SEPARATORS = st.sampled_from("-/.")


@given(DAYS)
def test_the_pages_own_form_reads_back(day: date) -> None:
    assert parse_written_date(format_date_id(day)) == day
    assert parse_page_date(page_date(day)) == day


@given(DAYS, SEPARATORS, st.booleans(), st.booleans())
def test_day_first_reads_back_with_or_without_leading_zeros(
    day: date, separator: str, pad_day: bool, pad_month: bool
) -> None:
    written_day = f"{day.day:02}" if pad_day else str(day.day)
    written_month = f"{day.month:02}" if pad_month else str(day.month)
    written = separator.join((written_day, written_month, f"{day.year:04}"))
    assert parse_written_date(f"  {written} ") == day


@given(DAYS)
def test_the_iso_form_reads_back(day: date) -> None:
    assert parse_written_date(day.isoformat()) == day


@given(DAYS, SEPARATORS)
def test_a_two_digit_year_is_never_guessed(day: date, separator: str) -> None:
    written = separator.join((str(day.day), str(day.month), f"{day.year % 100:02}"))
    with pytest.raises(UnreadableDate) as refused:
        parse_written_date(written)
    assert refused.value.code == "two_digit_year"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("31-02-1990", "no_such_day"),
        ("12/25/1990", "no_such_day"),  # month first: day 12 of month 25
        ("1990-02-30", "no_such_day"),
        ("17-08/1985", "unknown_form"),  # the separators must agree
        ("1985/08/17", "unknown_form"),  # the year first only in the ISO form
        ("17081985", "unknown_form"),
        ("17 Agustus 1985", "unknown_form"),
        ("", "unknown_form"),
        ("١٧-٠٨-١٩٨٥", "unknown_form"),  # digits of another script
    ],
)
def test_what_is_refused_and_why(written: str, code: str) -> None:
    with pytest.raises(UnreadableDate) as refused:
        parse_written_date(written)
    assert refused.value.code == code
    assert parse_page_date(written) is None
