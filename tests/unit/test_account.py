"""The JHT account of a KPJ on a day (workflow.account), as tables: the statement, its
development at the yearly rates (credited at each year's end), the payouts confirmed since
and those still being paid. Expected figures are worked out by hand in each row."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.account import AccountPayout, Statement, account_on
from workflow.rules import DECLARED_DEVELOPMENT_RATES, development_rate

JUTA = 1_000_000
R2026 = 563  # 2026 has no declared rate: 2020's 5.63%, assumed
YEAR = 10_000 * 365  # basis points x days of a common year
STATEMENT = Statement(100 * JUTA, date(2026, 3, 1))


def paid(reference: str, gross: int, on: date | None) -> AccountPayout:
    return AccountPayout(reference, gross, on)


@pytest.mark.parametrize(
    ("payouts", "as_of", "development", "paid_out", "held", "available"),
    [
        # the statement's own day: nothing has grown yet
        ([], date(2026, 3, 1), 0, 0, 0, 100 * JUTA),
        # a day before the statement: the statement
        ([], date(2026, 2, 1), 0, 0, 0, 100 * JUTA),
        # 100 days of 2026
        ([], date(2026, 6, 9), 100 * JUTA * R2026 * 100 // YEAR, 0, 0, 100 * JUTA + 1_542_465),
        # a 30% partial (Rp 30 juta) confirmed on day 31: the base is 70 juta from then on,
        # and the year's development is one sum, rounded down once
        (
            [paid("P1", 30 * JUTA, date(2026, 4, 1))],
            date(2026, 6, 9),
            (100 * JUTA * R2026 * 31 + 70 * JUTA * R2026 * 69) // YEAR,
            30 * JUTA,
            0,
            70 * JUTA + (100 * JUTA * R2026 * 31 + 70 * JUTA * R2026 * 69) // YEAR,
        ),
        # a payout confirmed on or before the statement's day is in the statement already
        ([paid("P0", 30 * JUTA, date(2026, 3, 1))], date(2026, 3, 1), 0, 0, 0, 100 * JUTA),
        # a payout still being paid is held: the balance keeps it, what is available does not
        ([paid("P1", 30 * JUTA, None)], date(2026, 3, 1), 0, 0, 30 * JUTA, 70 * JUTA),
        # confirmed after the day asked about: on that day it was still being paid
        (
            [paid("P1", 30 * JUTA, date(2026, 5, 1))],
            date(2026, 4, 1),
            478_164,
            0,
            30 * JUTA,
            70 * JUTA + 478_164,
        ),
        # everything paid out: nothing left (never below nothing)
        (
            [paid("P1", 100 * JUTA, date(2026, 3, 2))],
            date(2026, 3, 2),
            15_424,
            100 * JUTA,
            0,
            15_424,
        ),
        (
            [paid("P1", 100 * JUTA, None), paid("P2", 5 * JUTA, None)],
            date(2026, 3, 1),
            0,
            0,
            105 * JUTA,
            0,
        ),
    ],
)
def test_the_account_on_a_day(
    payouts: list[AccountPayout],
    as_of: date,
    development: int,
    paid_out: int,
    held: int,
    available: int,
) -> None:
    account = account_on(STATEMENT, payouts, as_of)
    assert (account.development, account.paid_out, account.held, account.available) == (
        development,
        paid_out,
        held,
        available,
    )
    assert account.balance == STATEMENT.balance + development - paid_out


def test_development_is_credited_at_each_year_end_and_then_earns() -> None:
    # 2025-07-01 to 2026-03-01: 184 days of 2025, credited on 31 December, then 59 of 2026
    # on the larger base. Neither year has a declared rate: 5.63% assumed for both.
    statement = Statement(100 * JUTA, date(2025, 7, 1))
    first_year = 100 * JUTA * R2026 * 184 // YEAR
    second_year = (100 * JUTA + first_year) * R2026 * 59 // YEAR
    account = account_on(statement, [], date(2026, 3, 1))
    assert account.development == first_year + second_year
    assert [(line.on, line.kind, line.amount) for line in account.history] == [
        (date(2025, 7, 1), "statement", 100 * JUTA),
        (date(2025, 12, 31), "development", first_year),
        (date(2026, 3, 1), "development", second_year),
    ]


def test_a_leap_year_counts_366_days_at_its_declared_rate() -> None:
    # 2016: 7.19%, declared; 2016 has 366 days.
    statement = Statement(10 * JUTA, date(2016, 1, 1))
    account = account_on(statement, [], date(2017, 1, 1))
    assert account.development == 10 * JUTA * 719 * 366 // (10_000 * 366) == 719_000


def test_the_history_lists_the_payouts_with_their_references() -> None:
    account = account_on(
        STATEMENT, [paid("JHT-1-P1", 30 * JUTA, date(2026, 4, 1))], date(2026, 4, 1)
    )
    assert [(line.kind, line.amount, line.reference) for line in account.history] == [
        ("statement", 100 * JUTA, None),
        ("payout", -30 * JUTA, "JHT-1-P1"),
        ("development", 100 * JUTA * R2026 * 31 // YEAR, None),
    ]


@pytest.mark.parametrize(
    ("year", "rate_bp", "assumed"),
    [
        (2015, 0, True),  # before the first declared rate in our data
        (2016, 719, False),
        (2017, 719, True),  # not in our data: 2016's, said to be assumed
        (2020, 563, False),
        (2026, 563, True),
    ],
)
def test_the_rate_of_a_year_is_declared_or_said_to_be_assumed(
    year: int, rate_bp: int, assumed: bool
) -> None:
    rate = development_rate(year)
    assert (rate.rate_bp, rate.assumed) == (rate_bp, assumed)
    if assumed and rate_bp:
        assert rate.source.startswith("assumed")


def test_every_declared_rate_cites_where_it_was_published() -> None:
    assert DECLARED_DEVELOPMENT_RATES
    for rate in DECLARED_DEVELOPMENT_RATES:
        assert "https://" in rate.source and not rate.assumed
