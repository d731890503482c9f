"""Benefit and final income tax on JHT payments: a lump sum flat whenever it is paid, staged
payments counted together in the calendar year of the first and the next, the progressive
brackets of the payment day's rule set from the third calendar year on, the no-NPWP surcharge,
and rounding down."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.eligibility import ParticipantFacts
from workflow.money import (
    NO_EARLIER_PAYMENTS,
    EarlierPayments,
    JhtPayment,
    benefit,
    estimate,
    income_tax,
    is_progressive,
)
from workflow.rules import rules_by_version, rules_in_force
from workflow.states import ClaimReason

RULES = rules_in_force(date(2026, 1, 1))
RULES_2015 = rules_by_version("2015-07-01")
END = date(2025, 6, 1)
PAY = date(2026, 1, 10)
JUTA = 1_000_000


def _earlier(*payments: tuple[date, int]) -> EarlierPayments:
    return EarlierPayments.of(JhtPayment(paid_on, gross) for paid_on, gross in payments)


@pytest.mark.parametrize(
    ("gross", "pay", "earlier", "has_npwp", "tax"),
    [
        # a lump sum: flat 5% above Rp 50 juta
        (49_999_999, PAY, (), True, 0),
        (50_000_000, PAY, (), True, 0),
        (50_000_001, PAY, (), True, 0),  # 0.05 rupiah, rounded down
        (50_000_020, PAY, (), True, 1),
        (50_000_019, PAY, (), True, 0),
        (0, PAY, (), True, 0),
        (80 * JUTA, PAY, (), True, 1_500_000),  # domain.md: Rp 80 juta, resignation
        # ... whenever it is paid (5 years after work stopped: the same)
        (80 * JUTA, date(2030, 6, 2), (), True, 1_500_000),
        (600 * JUTA, date(2030, 6, 2), (), True, 27_500_000),  # the issue: Rp 27,5 juta
        (100 * JUTA, date(2040, 1, 1), (), True, 2_500_000),
        # no NPWP: the rate is 20% higher (6%)
        (80 * JUTA, PAY, (), False, 1_800_000),
        (50_000_016, PAY, (), False, 0),  # 0.96 rupiah
        (50_000_017, PAY, (), False, 1),
        # staged payments count together in the calendar year of the first and the next
        (140 * JUTA, PAY, ((date(2025, 3, 1), 60 * JUTA),), True, 7_000_000),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 30 * JUTA),), True, 1_000_000),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 50 * JUTA),), True, 2_000_000),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 10 * JUTA),), True, 0),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 10 * JUTA), (PAY, 20 * JUTA)), True, 1_000_000),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 10 * JUTA),), False, 0),
        (40 * JUTA, PAY, ((date(2025, 3, 1), 30 * JUTA),), False, 1_200_000),
        # the issue and domain.md: a 10% partial of Rp 600 juta paid in 2026 ...
        (60 * JUTA, date(2026, 5, 4), (), True, 500_000),
        # ... the rest paid in 2027: flat, the band used up by the partial
        (540 * JUTA, date(2027, 11, 30), ((date(2026, 5, 4), 60 * JUTA),), True, 27 * JUTA),
        # ... or paid in 2028: progressive, 3 + 28.5 + 62.5 + 12
        (540 * JUTA, date(2028, 1, 3), ((date(2026, 5, 4), 60 * JUTA),), True, 106 * JUTA),
        (540 * JUTA, date(2028, 1, 3), ((date(2026, 5, 4), 60 * JUTA),), False, 127_200_000),
        # the third calendar year counts from the first payment, whatever came between
        (
            100 * JUTA,
            date(2028, 1, 3),
            ((date(2026, 5, 4), 10 * JUTA), (date(2027, 12, 1), 10 * JUTA)),
            True,
            9 * JUTA,
        ),
        # progressive brackets on this payment alone, no 0% band
        (100 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 9 * JUTA),  # 3 + 6
        (100 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), False, 10_800_000),
        (60 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 3 * JUTA),
        (40 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 2 * JUTA),
        (300 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 44 * JUTA),
        (6_000 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 1_794 * JUTA),
        (100 * JUTA, date(2028, 1, 3), ((date(2026, 1, 1), 80 * JUTA),), True, 9 * JUTA),
        (0, date(2028, 1, 3), ((date(2026, 1, 1), 1),), True, 0),
        # the calendar-year boundary: 31 December of the next year is flat, 1 January after
        # that progressive
        (100 * JUTA, date(2027, 12, 31), ((date(2026, 12, 31), 1),), True, 2_500_000),
        (100 * JUTA, date(2028, 1, 1), ((date(2026, 12, 31), 1),), True, 9 * JUTA),
        (100 * JUTA, date(2027, 12, 31), ((date(2026, 1, 1), 1),), True, 2_500_000),
        (100 * JUTA, date(2028, 1, 1), ((date(2027, 12, 31), 1),), True, 2_500_000),
        # a payment of nothing is no first payment
        (100 * JUTA, date(2028, 1, 1), ((date(2026, 1, 1), 0),), True, 2_500_000),
    ],
)
def test_income_tax(
    gross: int,
    pay: date,
    earlier: tuple[tuple[date, int], ...],
    has_npwp: bool,
    tax: int,
) -> None:
    assert income_tax(RULES, gross, pay, _earlier(*earlier), has_npwp) == tax


@pytest.mark.parametrize(
    ("gross", "pay", "has_npwp", "tax"),
    [
        # the brackets of UU 36/2008 (5% to 50 juta, 15% to 250, 25% to 500, 30% above)
        (100 * JUTA, date(2020, 3, 2), True, 10 * JUTA),  # 2.5 + 7.5
        (50 * JUTA, date(2020, 3, 2), True, 2_500_000),
        (540 * JUTA, date(2020, 3, 2), True, 107 * JUTA),  # 2.5 + 30 + 62.5 + 12
        (6_000 * JUTA, date(2020, 3, 2), True, 1_745 * JUTA),  # 30% has no top
        (100 * JUTA, date(2020, 3, 2), False, 12 * JUTA),
        # the brackets of UU 7/2021 in the set in force from 26 April 2022
        (100 * JUTA, date(2022, 4, 26), True, 9 * JUTA),
        (540 * JUTA, date(2022, 4, 26), True, 106 * JUTA),
    ],
)
def test_progressive_tax_follows_the_rules_in_force_on_the_payment_day(
    gross: int, pay: date, has_npwp: bool, tax: int
) -> None:
    first = _earlier((date(pay.year - 2, 12, 31), 10 * JUTA))
    assert income_tax(rules_in_force(pay), gross, pay, first, has_npwp) == tax


def test_the_2015_rule_set_carries_the_brackets_before_2022() -> None:
    assert rules_in_force(date(2022, 4, 25)) is RULES_2015
    assert [b.up_to for b in RULES_2015.progressive_brackets] == [
        50 * JUTA,
        250 * JUTA,
        500 * JUTA,
        None,
    ]
    assert [b.rate_bp for b in RULES_2015.progressive_brackets] == [500, 1_500, 2_500, 3_000]


@pytest.mark.parametrize(
    ("payments", "summary"),
    [
        ((), EarlierPayments(None, 0)),
        (((date(2026, 5, 4), 0),), EarlierPayments(None, 0)),
        (
            ((date(2027, 1, 2), 40 * JUTA), (date(2026, 5, 4), 60 * JUTA)),
            EarlierPayments(date(2026, 5, 4), 100 * JUTA),
        ),
        (
            ((date(2027, 1, 2), 40 * JUTA), (date(2025, 5, 4), 0)),
            EarlierPayments(date(2027, 1, 2), 40 * JUTA),
        ),
    ],
)
def test_earlier_payments(payments: tuple[tuple[date, int], ...], summary: EarlierPayments) -> None:
    assert _earlier(*payments) == summary


@pytest.mark.parametrize(
    ("first", "pay", "progressive"),
    [
        (None, date(2040, 1, 1), False),
        (date(2026, 1, 1), date(2026, 12, 31), False),
        (date(2026, 1, 1), date(2027, 12, 31), False),
        (date(2026, 12, 31), date(2028, 1, 1), True),
        (date(2020, 6, 1), date(2026, 6, 1), True),
    ],
)
def test_is_progressive(first: date | None, pay: date, progressive: bool) -> None:
    assert is_progressive(RULES, EarlierPayments(first, 1 if first else 0), pay) is progressive


@pytest.mark.parametrize(
    ("reason", "balance", "gross"),
    [
        (ClaimReason.resignation, 80_000_000, 80_000_000),
        (ClaimReason.death, 1, 1),
        (ClaimReason.partial_housing, 33_333_333, 9_999_999),  # 9.999.999,9 rounded down
        (ClaimReason.partial_other, 99, 9),
        (ClaimReason.partial_other, 200_000_000, 20_000_000),
        (ClaimReason.retirement, 0, 0),
    ],
)
def test_benefit(reason: ClaimReason, balance: int, gross: int) -> None:
    assert benefit(RULES, reason, balance) == gross


def test_negative_amounts_and_later_earlier_payments_are_refused() -> None:
    with pytest.raises(ValueError):
        benefit(RULES, ClaimReason.retirement, -1)
    with pytest.raises(ValueError):
        income_tax(RULES, -1, PAY, NO_EARLIER_PAYMENTS, True)
    with pytest.raises(ValueError):
        income_tax(RULES, 1, PAY, EarlierPayments(date(2025, 1, 1), -1), True)
    with pytest.raises(ValueError):
        _earlier((date(2025, 1, 1), -1))
    with pytest.raises(ValueError):
        income_tax(RULES, 1, PAY, _earlier((date(2026, 1, 11), 1)), True)


def _participant(balance: int, had_partial: bool = False) -> ParticipantFacts:
    return ParticipantFacts(
        birth_date=date(1980, 1, 1),
        membership_start=date(2005, 1, 1),
        membership_status="inactive",
        employment_end_date=END,
        balance=balance,
        had_partial_claim=had_partial,
    )


@pytest.mark.parametrize(
    ("reason", "balance", "earlier", "has_npwp", "on", "expected"),
    [
        # (gross, tax, net, npwp_required, progressive)
        (
            ClaimReason.resignation,
            80_000_000,
            (),
            True,
            PAY,
            (80_000_000, 1_500_000, 78_500_000, True, False),
        ),
        (  # the same if the person stopped work 5 years ago
            ClaimReason.resignation,
            80_000_000,
            (),
            True,
            date(2030, 6, 2),
            (80_000_000, 1_500_000, 78_500_000, True, False),
        ),
        (
            ClaimReason.resignation,
            49_999_999,
            (),
            False,
            PAY,
            (49_999_999, 0, 49_999_999, False, False),
        ),
        (
            ClaimReason.resignation,
            50_000_000,
            (),
            False,
            PAY,
            (50_000_000, 0, 50_000_000, False, False),
        ),
        (
            ClaimReason.resignation,
            50_000_001,
            (),
            True,
            PAY,
            (50_000_001, 0, 50_000_001, True, False),
        ),
        # a 10% partial of Rp 600 juta in 2026, then the rest in 2027 or in 2028
        (
            ClaimReason.partial_other,
            600 * JUTA,
            (),
            True,
            date(2026, 5, 4),
            (60 * JUTA, 500_000, 59_500_000, True, False),
        ),
        (
            ClaimReason.resignation,
            540 * JUTA,
            ((date(2026, 5, 4), 60 * JUTA),),
            True,
            date(2027, 11, 30),
            (540 * JUTA, 27 * JUTA, 513 * JUTA, True, False),
        ),
        (
            ClaimReason.resignation,
            540 * JUTA,
            ((date(2026, 5, 4), 60 * JUTA),),
            True,
            date(2028, 1, 3),
            (540 * JUTA, 106 * JUTA, 434 * JUTA, True, True),
        ),
    ],
)
def test_estimate(
    reason: ClaimReason,
    balance: int,
    earlier: tuple[tuple[date, int], ...],
    has_npwp: bool,
    on: date,
    expected: tuple[int, int, int, bool, bool],
) -> None:
    participant = _participant(balance, had_partial=bool(earlier))
    result = estimate(
        RULES, reason, participant, _earlier(*earlier), has_npwp, on, tax_rules=rules_in_force(on)
    )
    assert result.balance == balance
    assert (result.gross, result.tax, result.net, result.npwp_required, result.progressive) == (
        expected
    )


def test_estimate_taxes_by_the_rules_of_the_payment_day() -> None:
    """A claim submitted under the 2015 set and paid under the 2022 one: the 2022 brackets."""
    earlier = _earlier((date(2020, 5, 4), 60 * JUTA))
    on = date(2022, 6, 1)
    result = estimate(
        RULES_2015,
        ClaimReason.resignation,
        _participant(540 * JUTA, True),
        earlier,
        True,
        on,
        tax_rules=rules_in_force(on),
    )
    assert (result.tax, result.progressive) == (106 * JUTA, True)


def test_small_balance_after_a_partial_still_needs_npwp() -> None:
    result = estimate(
        RULES,
        ClaimReason.resignation,
        _participant(10_000_000, True),
        NO_EARLIER_PAYMENTS,
        True,
        PAY,
        tax_rules=RULES,
    )
    assert result.npwp_required
