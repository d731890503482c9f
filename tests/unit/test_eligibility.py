"""Eligibility per claim reason at the edges of every waiting period, age and membership rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from workflow.dates import add_months, add_years
from workflow.eligibility import ParticipantFacts, check_eligibility
from workflow.rules import RULE_SETS, rules_by_version, rules_in_force
from workflow.states import ClaimReason

RULES = rules_in_force(date(2026, 1, 1))
C = ClaimReason

BASE = ParticipantFacts(
    birth_date=date(1980, 6, 15),
    membership_start=date(2005, 1, 10),
    membership_status="inactive",
    employment_end_date=date(2026, 11, 21),
    balance=80_000_000,
)
ACTIVE = replace(BASE, membership_status="active", employment_end_date=None)
BORN_1970 = replace(BASE, birth_date=date(1970, 3, 15))  # 56 on 2026-03-15
JOINED_2016 = replace(ACTIVE, membership_start=date(2016, 3, 10))  # 10 years on 2026-03-10


@pytest.mark.parametrize(
    ("reason", "participant", "claim_date", "eligible", "code", "eligible_from"),
    [
        # retirement: 55 years 364 days vs 56 years 0 days
        (
            C.retirement,
            BORN_1970,
            date(2026, 3, 14),
            False,
            "below_retirement_age",
            date(2026, 3, 15),
        ),
        (C.retirement, BORN_1970, date(2026, 3, 15), True, None, None),
        (
            C.retirement,
            replace(BORN_1970, membership_status="active"),
            date(2026, 3, 15),
            True,
            None,
            None,
        ),
        # resignation / termination: one calendar month after the end date
        (
            C.resignation,
            BASE,
            date(2026, 12, 20),
            False,
            "waiting_period_not_over",
            date(2026, 12, 21),
        ),
        (C.resignation, BASE, date(2026, 12, 21), True, None, None),
        (
            C.termination,
            BASE,
            date(2026, 12, 20),
            False,
            "waiting_period_not_over",
            date(2026, 12, 21),
        ),
        (C.termination, BASE, date(2026, 12, 22), True, None, None),
        (C.resignation, ACTIVE, date(2030, 1, 1), False, "membership_still_active", None),
        (
            C.resignation,
            replace(BASE, employment_end_date=None),
            date(2030, 1, 1),
            False,
            "employment_end_unknown",
            None,
        ),
        # month-end clamping: 1 month after 31 January is the last day of February
        (
            C.resignation,
            replace(BASE, employment_end_date=date(2026, 1, 31)),
            date(2026, 2, 27),
            False,
            "waiting_period_not_over",
            date(2026, 2, 28),
        ),
        (
            C.resignation,
            replace(BASE, employment_end_date=date(2026, 1, 31)),
            date(2026, 2, 28),
            True,
            None,
            None,
        ),
        (
            C.termination,
            replace(BASE, employment_end_date=date(2028, 1, 31)),
            date(2028, 2, 28),
            False,
            "waiting_period_not_over",
            date(2028, 2, 29),
        ),
        # contract end: on or before the claim date
        (C.contract_end, BASE, date(2026, 11, 20), False, "contract_not_ended", date(2026, 11, 21)),
        (C.contract_end, BASE, date(2026, 11, 21), True, None, None),
        (C.contract_end, ACTIVE, date(2026, 11, 21), False, "membership_still_active", None),
        # leaving Indonesia: always
        (C.leaving_indonesia, ACTIVE, date(2026, 1, 1), True, None, None),
        # disability: under 56 only
        (C.disability, BORN_1970, date(2026, 3, 14), True, None, None),
        (C.disability, BORN_1970, date(2026, 3, 15), False, "retirement_age_reached", None),
        # death: the registry must mark the participant deceased
        (C.death, replace(BASE, deceased=True), date(2026, 1, 1), True, None, None),
        (C.death, BASE, date(2026, 1, 1), False, "participant_not_deceased", None),
        (
            C.resignation,
            replace(BASE, deceased=True),
            date(2027, 1, 1),
            False,
            "participant_deceased",
            None,
        ),
        # partial: 9 years 364 days vs 10 years, and only once
        (
            C.partial_housing,
            JOINED_2016,
            date(2026, 3, 9),
            False,
            "partial_requirements_not_met",
            date(2026, 3, 10),
        ),
        (C.partial_housing, JOINED_2016, date(2026, 3, 10), True, None, None),
        (
            C.partial_other,
            JOINED_2016,
            date(2026, 3, 9),
            False,
            "partial_requirements_not_met",
            date(2026, 3, 10),
        ),
        (C.partial_other, JOINED_2016, date(2026, 3, 10), True, None, None),
        (
            C.partial_other,
            replace(JOINED_2016, had_partial_claim=True),
            date(2030, 1, 1),
            False,
            "partial_already_taken",
            None,
        ),
        (
            C.partial_housing,
            replace(JOINED_2016, had_partial_claim=True),
            date(2030, 1, 1),
            False,
            "partial_already_taken",
            None,
        ),
        # the full claim after a partial one is allowed
        (
            C.resignation,
            replace(BASE, had_partial_claim=True),
            date(2026, 12, 21),
            True,
            None,
            None,
        ),
    ],
)
def test_eligibility(
    reason: ClaimReason,
    participant: ParticipantFacts,
    claim_date: date,
    eligible: bool,
    code: str | None,
    eligible_from: date | None,
) -> None:
    result = check_eligibility(RULES, reason, participant, claim_date)
    assert (result.eligible, result.code, result.eligible_from) == (eligible, code, eligible_from)
    assert result.message_id and result.message_en


def test_declared_end_date_overrides_the_registry() -> None:
    phk_date = date(2026, 5, 31)
    result = check_eligibility(RULES, C.termination, BASE, date(2026, 6, 30), phk_date)
    assert result.eligible
    early = check_eligibility(RULES, C.termination, BASE, date(2026, 6, 29), phk_date)
    assert early.eligible_from == date(2026, 6, 30)


def test_refusal_names_the_first_eligible_day_in_both_languages() -> None:
    result = check_eligibility(RULES, C.resignation, BASE, date(2026, 12, 1))
    assert "Anda dapat mengajukan klaim karena mengundurkan diri mulai 21-12-2026" in (
        result.message_id
    )
    assert "You can claim for resignation from 2026-12-21" in result.message_en


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_years_is_twelve_months() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("on", "version"),
    [
        (date(2015, 7, 1), "2015-07-01"),
        (date(2022, 4, 25), "2015-07-01"),
        (date(2022, 4, 26), "2022-04-26"),
        (date(2030, 1, 1), "2022-04-26"),
    ],
)
def test_rules_in_force(on: date, version: str) -> None:
    assert rules_in_force(on).version == version
    assert rules_by_version(version) is rules_in_force(on)


def test_no_rules_before_the_first_set() -> None:
    with pytest.raises(LookupError):
        rules_in_force(date(2015, 6, 30))
    with pytest.raises(LookupError):
        rules_by_version("1999-01-01")


def test_rule_sets_are_in_date_order() -> None:
    dates = [rules.effective_from for rules in RULE_SETS]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


def test_waiting_period_is_read_from_the_rule_set() -> None:
    three_months = replace(RULES, waiting_period_months=3)
    result = check_eligibility(three_months, C.resignation, BASE, date(2027, 1, 1))
    assert result.eligible_from == date(2027, 2, 21)
