"""Benefit and final income tax on JHT payments: thresholds, the cumulative Rp 50 juta, the
progressive brackets after 2 years, the no-NPWP surcharge, and rounding down."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.eligibility import ParticipantFacts
from workflow.money import benefit, estimate, income_tax
from workflow.rules import rules_in_force
from workflow.states import ClaimReason

RULES = rules_in_force(date(2026, 1, 1))
END = date(2025, 6, 1)
PAY = date(2026, 1, 10)  # within 2 years of END
LATE = date(2028, 1, 10)  # more than 2 years after END


@pytest.mark.parametrize(
    ("gross", "earlier", "has_npwp", "end", "pay", "tax"),
    [
        # flat 5% above the cumulative Rp 50 juta
        (49_999_999, 0, True, END, PAY, 0),
        (50_000_000, 0, True, END, PAY, 0),
        (50_000_001, 0, True, END, PAY, 0),  # 0.05 rupiah, rounded down
        (50_000_020, 0, True, END, PAY, 1),
        (50_000_019, 0, True, END, PAY, 0),
        (80_000_000, 0, True, END, PAY, 1_500_000),  # the rule book's example
        # no NPWP: the rate is 20% higher (6%)
        (80_000_000, 0, False, END, PAY, 1_800_000),
        (50_000_016, 0, False, END, PAY, 0),  # 0.96 rupiah
        (50_000_017, 0, False, END, PAY, 1),
        # the Rp 50 juta is counted over earlier JHT payments
        (140_000_000, 60_000_000, True, END, PAY, 7_000_000),
        (40_000_000, 30_000_000, True, END, PAY, 1_000_000),
        (40_000_000, 50_000_000, True, END, PAY, 2_000_000),
        (40_000_000, 10_000_000, True, END, PAY, 0),
        # no employment end date (retirement while active, partial): never progressive
        (80_000_000, 0, True, None, LATE, 1_500_000),
        # progressive brackets, no 0% band
        (100_000_000, 0, True, END, LATE, 9_000_000),
        (100_000_000, 0, False, END, LATE, 10_800_000),
        (60_000_000, 0, True, END, LATE, 3_000_000),
        (40_000_000, 0, True, END, LATE, 2_000_000),
        (300_000_000, 0, True, END, LATE, 44_000_000),
        (6_000_000_000, 0, True, END, LATE, 1_794_000_000),
        (100_000_000, 80_000_000, True, END, LATE, 9_000_000),  # earlier payments do not shift
        (0, 0, True, END, LATE, 0),
        # the 2-year boundary: exactly 2 years is still flat, one day more is progressive
        (100_000_000, 0, True, date(2024, 1, 15), date(2026, 1, 15), 2_500_000),
        (100_000_000, 0, True, date(2024, 1, 15), date(2026, 1, 16), 9_000_000),
        (100_000_000, 0, True, date(2024, 2, 29), date(2026, 2, 28), 2_500_000),
        (100_000_000, 0, True, date(2024, 2, 29), date(2026, 3, 1), 9_000_000),
    ],
)
def test_income_tax(
    gross: int, earlier: int, has_npwp: bool, end: date | None, pay: date, tax: int
) -> None:
    assert income_tax(RULES, gross, earlier, has_npwp, end, pay) == tax


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


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        benefit(RULES, ClaimReason.retirement, -1)
    with pytest.raises(ValueError):
        income_tax(RULES, -1, 0, True, None, PAY)


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
            0,
            True,
            PAY,
            (80_000_000, 1_500_000, 78_500_000, True, False),
        ),
        (
            ClaimReason.resignation,
            49_999_999,
            0,
            False,
            PAY,
            (49_999_999, 0, 49_999_999, False, False),
        ),
        (
            ClaimReason.resignation,
            50_000_000,
            0,
            False,
            PAY,
            (50_000_000, 0, 50_000_000, False, False),
        ),
        (
            ClaimReason.resignation,
            50_000_001,
            0,
            True,
            PAY,
            (50_000_001, 0, 50_000_001, True, False),
        ),
        (
            ClaimReason.resignation,
            100_000_000,
            0,
            True,
            LATE,
            (100_000_000, 9_000_000, 91_000_000, True, True),
        ),
        # a partial claim first (30% of 200 juta), then the full claim of the rest
        (
            ClaimReason.partial_housing,
            200_000_000,
            0,
            True,
            PAY,
            (60_000_000, 500_000, 59_500_000, True, False),
        ),
        (
            ClaimReason.resignation,
            140_000_000,
            60_000_000,
            True,
            PAY,
            (140_000_000, 7_000_000, 133_000_000, True, False),
        ),
    ],
)
def test_estimate(
    reason: ClaimReason,
    balance: int,
    earlier: int,
    has_npwp: bool,
    on: date,
    expected: tuple[int, int, int, bool, bool],
) -> None:
    participant = _participant(balance, had_partial=earlier > 0)
    result = estimate(RULES, reason, participant, earlier, has_npwp, on)
    assert result.balance == balance
    assert (result.gross, result.tax, result.net, result.npwp_required, result.progressive) == (
        expected
    )


def test_small_balance_after_a_partial_still_needs_npwp() -> None:
    result = estimate(RULES, ClaimReason.resignation, _participant(10_000_000, True), 0, True, PAY)
    assert result.npwp_required
