"""Eligibility per claim reason at the edges of every waiting period, age and membership rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from workflow.dates import add_months, add_years
from workflow.eligibility import (
    END_DATE_DIFFERS,
    END_DATE_NOT_TAKEN,
    ClaimEndDate,
    Eligibility,
    ParticipantFacts,
    check_eligibility,
    claim_end_date,
    creation_refusal,
)
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
# This KPJ ended, but another KPJ of the same NIK (another employer) is active.
WORKS_ELSEWHERE = replace(BASE, other_kpj_active=True)


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
        # leaving Indonesia: a way of stopping work, so the KPJ inactive, no waiting period
        (C.leaving_indonesia, BASE, date(2026, 1, 1), True, None, None),
        (C.leaving_indonesia, ACTIVE, date(2026, 1, 1), False, "membership_still_active", None),
        # the stop-work reasons: no other KPJ of the NIK active, whatever the dates say
        (C.leaving_indonesia, WORKS_ELSEWHERE, date(2026, 1, 1), False, "other_kpj_active", None),
        (C.resignation, WORKS_ELSEWHERE, date(2030, 1, 1), False, "other_kpj_active", None),
        (C.termination, WORKS_ELSEWHERE, date(2030, 1, 1), False, "other_kpj_active", None),
        (C.contract_end, WORKS_ELSEWHERE, date(2030, 1, 1), False, "other_kpj_active", None),
        (
            C.resignation,
            replace(ACTIVE, other_kpj_active=True),
            date(2030, 1, 1),
            False,
            "membership_still_active",
            None,
        ),
        # ... and the other reasons do not ask about other KPJs
        (
            C.retirement,
            replace(BORN_1970, other_kpj_active=True),
            date(2026, 3, 15),
            True,
            None,
            None,
        ),
        (
            C.disability,
            replace(BORN_1970, other_kpj_active=True),
            date(2026, 3, 14),
            True,
            None,
            None,
        ),
        (
            C.partial_housing,
            replace(JOINED_2016, other_kpj_active=True),
            date(2026, 3, 10),
            True,
            None,
            None,
        ),
        (
            C.death,
            replace(WORKS_ELSEWHERE, deceased=True),
            date(2026, 1, 1),
            True,
            None,
            None,
        ),
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


@pytest.mark.parametrize(
    ("registry", "claim_carries", "claim_date", "eligible", "eligible_from"),
    [
        # the registry has no date: the one the claim carries (the applicant's) counts
        (None, date(2026, 5, 31), date(2026, 6, 29), False, date(2026, 6, 30)),
        (None, date(2026, 5, 31), date(2026, 6, 30), True, None),
        # the registry has one: it decides, an earlier date carried by the claim changes nothing
        (date(2026, 11, 21), date(2026, 5, 31), date(2026, 6, 30), False, date(2026, 12, 21)),
        (date(2026, 11, 21), date(2026, 5, 31), date(2026, 12, 21), True, None),
    ],
)
def test_the_registry_end_date_decides(
    registry: date | None,
    claim_carries: date,
    claim_date: date,
    eligible: bool,
    eligible_from: date | None,
) -> None:
    participant = replace(BASE, employment_end_date=registry)
    result = check_eligibility(RULES, C.termination, participant, claim_date, claim_carries)
    assert (result.eligible, result.eligible_from) == (eligible, eligible_from)


REGISTRY_END = date(2026, 11, 7)  # left 2 weeks before 2026-11-21


@pytest.mark.parametrize(
    ("reason", "registry", "stated", "expected"),
    [
        # nothing stated: the registry's date, or none
        (C.resignation, REGISTRY_END, None, ClaimEndDate(REGISTRY_END)),
        (C.resignation, None, None, ClaimEndDate(None)),
        (C.retirement, None, None, ClaimEndDate(None)),
        # the registry's own date stated again changes nothing
        (C.termination, REGISTRY_END, REGISTRY_END, ClaimEndDate(REGISTRY_END)),
        (C.retirement, REGISTRY_END, REGISTRY_END, ClaimEndDate(REGISTRY_END)),
        # a different date is refused, earlier (4 months back) or later, for any reason
        (C.resignation, REGISTRY_END, date(2026, 7, 21), END_DATE_DIFFERS),
        (C.termination, REGISTRY_END, date(2026, 10, 12), END_DATE_DIFFERS),
        (C.contract_end, REGISTRY_END, REGISTRY_END.replace(day=8), END_DATE_DIFFERS),
        (C.retirement, REGISTRY_END, date(2026, 7, 21), END_DATE_DIFFERS),
        # the registry has none: declared, for the reasons judged by it
        (C.resignation, None, date(2026, 7, 21), ClaimEndDate(date(2026, 7, 21), declared=True)),
        (C.termination, None, date(2026, 7, 21), ClaimEndDate(date(2026, 7, 21), declared=True)),
        (C.contract_end, None, date(2026, 7, 21), ClaimEndDate(date(2026, 7, 21), declared=True)),
        # ... and refused for the others, which no end date decides
        (C.leaving_indonesia, None, date(2026, 7, 21), END_DATE_NOT_TAKEN),
        (C.retirement, None, date(2026, 7, 21), END_DATE_NOT_TAKEN),
        (C.partial_other, None, date(2026, 7, 21), END_DATE_NOT_TAKEN),
        (C.death, None, date(2026, 7, 21), END_DATE_NOT_TAKEN),
    ],
)
def test_the_end_date_a_claim_takes(
    reason: ClaimReason, registry: date | None, stated: date | None, expected: ClaimEndDate | str
) -> None:
    taken = claim_end_date(reason, registry, stated)
    if isinstance(expected, str):
        assert (taken.problem, taken.declared) == (expected, False)
        assert taken.message_id and taken.message_en
    else:
        assert taken == expected


def test_a_differing_end_date_names_the_registry_date_in_both_languages() -> None:
    taken = claim_end_date(C.resignation, REGISTRY_END, date(2026, 7, 21))
    assert "07-11-2026" in taken.message_id and "2026-11-07" in taken.message_en


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


@pytest.mark.parametrize(
    ("eligible", "open_claim", "available", "refused"),
    [
        (True, False, 1, None),
        (True, True, 1, "open_claim_exists"),
        (True, False, 0, "nothing_to_claim"),
        (True, True, 0, "open_claim_exists"),  # an open claim is said before an empty account
        (False, True, 0, "waiting_period_not_over"),  # eligibility is said first
    ],
)
def test_creation_refusal_judges_in_creations_order(
    eligible: bool, open_claim: bool, available: int, refused: str | None
) -> None:
    eligibility = Eligibility(True) if eligible else Eligibility(False, "waiting_period_not_over")
    assert creation_refusal(eligibility, open_claim, available) == refused
