"""The JHT simulation's arithmetic against hand-computed cases (the computation is written out
in the comments), its edge cases and refusals, and two properties: a balance never falls from
one year to the next, and a higher rate never ends with less."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.rules import RULE_SETS, rules_in_force
from workflow.simulation import (
    ESTIMATE_NOTICE,
    SimulationRefused,
    SimulationRequest,
    default_rates,
    percent,
    simulate,
)

TODAY = date(2026, 12, 7)


def balances(request: SimulationRequest) -> list[tuple[int, int, int, dict[int, int]]]:
    """(year, age, contributions, balance by rate) of each projected year."""
    return [
        (row.year, row.age, row.contributions, dict(row.balance_by_rate))
        for row in simulate(request).years
    ]


def refusal_codes(request: SimulationRequest) -> dict[str, str]:
    with pytest.raises(SimulationRefused) as refused:
        simulate(request)
    assert refused.value.code == "validation_failed" and refused.value.status_hint == 422
    return {item["field"]: item["code"] for item in refused.value.data["errors"]}


def test_one_full_year_month_by_month() -> None:
    # Wage Rp 5.000.000: employer 3.7% = 185.000, worker 2% = 100.000, so 285.000 a month.
    # Today 07-12-2026: December's contribution is not projected (from next month on) and the
    # starting Rp 10.000.000 earns from the end of December, so 2026 adds nothing.
    # 2027 at 6% (0.5% a month), each contribution paid at its month's end:
    #   balance 10.000.000 held 12 months          -> 10.000.000 x 12 x 0.5% = 600.000
    #   Jan 285.000 held 11 months (Feb..Dec)       -> 285.000 x 11 x 0.5% = 15.675
    #   Feb 10 -> 14.250, Mar 9 -> 12.825, Apr 8 -> 11.400, May 7 -> 9.975,
    #   Jun 6 -> 8.550,  Jul 5 -> 7.125,  Aug 4 -> 5.700,  Sep 3 -> 4.275,
    #   Oct 2 -> 2.850,  Nov 1 -> 1.425,  Dec 0 -> 0
    #   contributions' months 11+10+...+0 = 66: 285.000 x 66 x 0.5% = 94.050 (the sum above)
    #   31-12-2027: 10.000.000 + 12 x 285.000 (3.420.000) + 600.000 + 94.050 = 14.114.050
    # 2028: 14.114.050 x 6% = 846.843; contributions 3.420.000 + 94.050 again
    #   31-12-2028: 14.114.050 + 846.843 + 3.420.000 + 94.050 = 18.474.943
    request = SimulationRequest(
        5_000_000, TODAY, birth_date=date(1980, 3, 10), start_balance=10_000_000, rates_bp=(600,)
    )
    rows = balances(request)
    assert rows[0] == (2026, 46, 0, {600: 10_000_000})
    assert rows[1] == (2027, 47, 3_420_000, {600: 14_114_050})
    assert rows[2] == (2028, 48, 3_420_000, {600: 18_474_943})
    projection = simulate(request)
    assert projection.at_56.date == date(2036, 3, 10)
    assert projection.years[-1].year == 2036 and projection.years[-1].age == 56
    assert projection.at_56.balance_by_rate == projection.years[-1].balance_by_rate


def test_three_years_with_wage_growth_and_two_rates() -> None:
    # Today 10-09-2025, born 02-04-1971 (54), 56 on 02-04-2027. Wage Rp 4.000.000, +10% every
    # 1 January, starting balance Rp 2.000.000, rates 0% and 5%.
    # 2025: 228.000 a month (148.000 + 80.000), paid end of Oct, Nov, Dec = 684.000.
    #   5%: (2.000.000 x 3 months + 228.000 x (2 + 1 + 0) months) x 5% / 12
    #       = 6.684.000 x 5% / 12 = 27.850 -> 2.000.000 + 684.000 + 27.850 = 2.711.850
    #   0%: 2.000.000 + 684.000 = 2.684.000
    # 2026: wage 4.400.000: 162.800 + 88.000 = 250.800 a month, 12 x = 3.009.600.
    #   5%: (2.711.850 x 12 + 250.800 x 66) x 5% / 12 = 49.095.000 x 5% / 12 = 204.562,5
    #       -> 204.562 (down) -> 2.711.850 + 3.009.600 + 204.562 = 5.926.012
    #   0%: 2.684.000 + 3.009.600 = 5.693.600
    # 2027 (to the birthday, 02-04: whole months Jan..Mar): wage 4.840.000:
    #   179.080 + 96.800 = 275.880 a month, 3 x = 827.640.
    #   5%: (5.926.012 x 3 + 275.880 x (2 + 1 + 0)) x 5% / 12 = 18.605.676 x 5% / 12
    #       = 77.523,65 -> 77.523 -> 5.926.012 + 827.640 + 77.523 = 6.831.175
    #   0%: 5.693.600 + 827.640 = 6.521.240
    request = SimulationRequest(
        4_000_000,
        date(2025, 9, 10),
        birth_date=date(1971, 4, 2),
        start_balance=2_000_000,
        wage_growth_bp=1_000,
        rates_bp=(0, 500),
    )
    assert balances(request) == [
        (2025, 54, 684_000, {0: 2_684_000, 500: 2_711_850}),
        (2026, 55, 3_009_600, {0: 5_693_600, 500: 5_926_012}),
        (2027, 56, 827_640, {0: 6_521_240, 500: 6_831_175}),
    ]
    projection = simulate(request)
    assert [row.monthly_wage for row in projection.years] == [4_000_000, 4_400_000, 4_840_000]
    assert projection.at_56.total_contributions == 684_000 + 3_009_600 + 827_640
    assert projection.assumptions.start_age == 54


def test_already_55_with_a_birthday_mid_year() -> None:
    # Born 15-06-1971: 55 today, 56 on 15-06-2027; 2027 counts Jan..May (5 months).
    # 10.000.000 x 5 x 0.5% = 250.000; 285.000 x (4+3+2+1+0) x 0.5% = 14.250;
    # 10.000.000 + 5 x 285.000 + 250.000 + 14.250 = 11.689.250
    request = SimulationRequest(
        5_000_000, TODAY, birth_date=date(1971, 6, 15), start_balance=10_000_000, rates_bp=(600,)
    )
    assert balances(request) == [
        (2026, 55, 0, {600: 10_000_000}),
        (2027, 56, 1_425_000, {600: 11_689_250}),
    ]


def test_a_january_birthday_ends_before_any_month_of_its_year() -> None:
    request = SimulationRequest(
        5_000_000, TODAY, birth_date=date(1971, 1, 31), start_balance=1_000_000, rates_bp=(600,)
    )
    rows = balances(request)
    assert rows[-1] == (2027, 56, 0, {600: rows[-2][3][600]})


def test_zero_rate_is_the_sum_of_contributions() -> None:
    request = SimulationRequest(
        3_000_000, TODAY, birth_date=date(1990, 7, 1), start_balance=500_000, rates_bp=(0,)
    )
    projection = simulate(request)
    assert projection.at_56.balance_by_rate[0] == 500_000 + projection.at_56.total_contributions
    # 171.000 a month (111.000 + 60.000), Jan 2027 .. Jun 2046: 19 x 12 + 6 = 234 months.
    assert projection.at_56.total_contributions == 171_000 * 234


def test_each_share_is_rounded_down_on_its_own() -> None:
    # 1.234.567: employer 45.678,979 -> 45.678, worker 24.691,34 -> 24.691: 70.369 a month
    # (5.7% of the whole would be 70.370,3).
    request = SimulationRequest(1_234_567, TODAY, birth_date=date(1971, 6, 15), rates_bp=(0,))
    assert simulate(request).years[-1].contributions == 5 * 70_369


def test_wage_growth_is_rounded_down_each_year() -> None:
    # 3.333.333 + 3.333.333 x 3.33% (110.999,99) = 3.444.332,99 -> 3.444.332;
    # 3.444.332 + 3.444.332 x 3.33% (114.696,26) = 3.559.028,26 -> 3.559.028
    request = SimulationRequest(
        3_333_333, TODAY, birth_date=date(1980, 1, 1), wage_growth_bp=333, rates_bp=(0,)
    )
    wages = [row.monthly_wage for row in simulate(request).years[:3]]
    assert wages == [3_333_333, 3_444_332, 3_559_028]


def test_an_age_alone_takes_today_as_the_birthday() -> None:
    projection = simulate(SimulationRequest(5_000_000, TODAY, age=30, rates_bp=(500,)))
    assert projection.assumptions.birth_date == date(1996, 12, 7)
    assert projection.assumptions.birth_date_source == "from_age"
    assert projection.at_56.date == date(2052, 12, 7)
    assert projection.assumptions.start_age == 30


def test_default_rates_are_around_the_last_declared_rate() -> None:
    assert default_rates(TODAY) == (463, 563, 663)  # 5.63% declared for 2020
    assert default_rates(date(2015, 1, 1)) == (0, 100)  # nothing declared yet: 0, floored
    projection = simulate(SimulationRequest(5_000_000, TODAY, age=40))
    assert projection.assumptions.rates_bp == (463, 563, 663)
    assert projection.assumptions.rates_source == "default"
    assert "2020" in (projection.assumptions.rates_default_basis or "")


def test_assumptions_state_every_number() -> None:
    projection = simulate(
        SimulationRequest(
            5_000_000,
            TODAY,
            birth_date=date(1980, 3, 10),
            start_balance=7_500_000,
            start_balance_on=date(2026, 12, 1),
            wage_growth_bp=350,
            rates_bp=(500, 700),
        )
    )
    assumptions = projection.assumptions
    assert (assumptions.contribution_bp, assumptions.employer_bp, assumptions.worker_bp) == (
        570,
        370,
        200,
    )
    assert assumptions.retirement_age == 56 and assumptions.development_credited == "yearly"
    assert assumptions.start_balance_source == "account"
    assert assumptions.rule_set == rules_in_force(TODAY).version
    words = " ".join(words.id for words in assumptions.statements)
    for expected in ("5,7%", "3,7%", "2%", "3,5%", "5%, 7%", "Rp 7.500.000", "01-12-2026"):
        assert expected in words
    english = " ".join(words.en for words in assumptions.statements)
    assert "estimate, not a promise" in english and "10-03-2036" in english
    assert assumptions.statements[-1] == ESTIMATE_NOTICE


def test_contribution_rates_are_rule_data() -> None:
    for rules in RULE_SETS:
        assert rules.jht_employer_contribution_bp + rules.jht_worker_contribution_bp == 570
    assert percent(563) == "5,63%" and percent(563, "en") == "5.63%" and percent(500) == "5%"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"monthly_wage": 0}, {"monthly_wage": "wage_out_of_range"}),
        ({"monthly_wage": 1_000_000_001}, {"monthly_wage": "wage_out_of_range"}),
        ({"birth_date": date(1970, 12, 7)}, {"birth_date": "age_out_of_range"}),  # 56 today
        ({"birth_date": date(2011, 12, 8)}, {"birth_date": "age_out_of_range"}),  # 14
        ({"birth_date": None, "age": 56}, {"age": "age_out_of_range"}),
        ({"birth_date": None, "age": 14}, {"age": "age_out_of_range"}),
        ({"age": 40}, {"birth_date": "birth_date_or_age"}),
        ({"birth_date": None}, {"birth_date": "birth_date_or_age"}),
        ({"start_balance": -1}, {"start_balance": "start_balance_out_of_range"}),
        ({"wage_growth_bp": 2_001}, {"wage_growth_bp": "growth_out_of_range"}),
        ({"wage_growth_bp": -1}, {"wage_growth_bp": "growth_out_of_range"}),
        ({"rates_bp": ()}, {"rates_bp": "rates_count"}),
        ({"rates_bp": (1, 2, 3, 4)}, {"rates_bp": "rates_count"}),
        ({"rates_bp": (2_501,)}, {"rates_bp": "rate_out_of_range"}),
        ({"rates_bp": (-1,)}, {"rates_bp": "rate_out_of_range"}),
        ({"rates_bp": (500, 500)}, {"rates_bp": "rates_repeated"}),
        (
            {"monthly_wage": -5, "start_balance": -1},
            {"monthly_wage": "wage_out_of_range", "start_balance": "start_balance_out_of_range"},
        ),
    ],
)
def test_refusals_name_each_field(changes: dict[str, object], expected: dict[str, str]) -> None:
    values: dict[str, object] = {
        "monthly_wage": 5_000_000,
        "today": TODAY,
        "birth_date": date(1980, 3, 10),
        "rates_bp": (500,),
    }
    values.update(changes)
    assert refusal_codes(SimulationRequest(**values)) == expected  # type: ignore[arg-type]


def test_the_edges_of_the_ranges_are_accepted() -> None:
    for birth_date in (date(1971, 12, 7), date(2011, 12, 7)):  # 55 and 15 today
        simulate(SimulationRequest(1, TODAY, birth_date=birth_date, rates_bp=(0, 2_500)))
    simulate(SimulationRequest(1_000_000_000, TODAY, age=15, start_balance=0, wage_growth_bp=2_000))


def test_a_29_february_birth_date_retires_on_28_february() -> None:
    projection = simulate(SimulationRequest(5_000_000, TODAY, birth_date=date(1972, 2, 29)))
    assert projection.at_56.date == date(2028, 2, 29)
    projection = simulate(SimulationRequest(5_000_000, TODAY, birth_date=date(1976, 2, 29)))
    assert projection.at_56.date == date(2032, 2, 29)
    projection = simulate(
        SimulationRequest(5_000_000, date(2025, 3, 1), birth_date=date(1971, 2, 28))
    )
    assert projection.at_56.date == date(2027, 2, 28)


inputs = st.fixed_dictionaries(
    {
        "monthly_wage": st.integers(1, 1_000_000_000),
        "today": st.dates(date(2016, 1, 1), date(2040, 12, 31)),
        "age": st.integers(15, 55),
        "start_balance": st.integers(0, 1_000_000_000_000),
        "wage_growth_bp": st.integers(0, 2_000),
    }
)


@settings(max_examples=150, deadline=None)
@given(inputs, st.lists(st.integers(0, 2_500), min_size=2, max_size=3, unique=True))
def test_balances_never_fall_and_higher_rates_never_give_less(
    values: dict[str, object], rates: list[int]
) -> None:
    projection = simulate(SimulationRequest(rates_bp=tuple(rates), **values))  # type: ignore[arg-type]
    ordered = sorted(rates)
    previous = {rate: projection.assumptions.start_balance for rate in rates}
    for row in projection.years:
        for rate in rates:
            assert row.balance_by_rate[rate] >= previous[rate]
        previous = dict(row.balance_by_rate)
        in_rate_order = [row.balance_by_rate[rate] for rate in ordered]
        assert in_rate_order == sorted(in_rate_order)
    assert (
        projection.years[-1].age == 56 and projection.at_56.date.year == projection.years[-1].year
    )
