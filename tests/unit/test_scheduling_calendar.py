"""Working days per branch: weekends, Indonesian holidays, joint leave days (cuti bersama),
closures and the three zones; the calendar the rules record."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from importlib.metadata import version

import holidays
import pytest
from holidays.countries.indonesia import Indonesia

from scheduling.calendar import WIB, WIT, WITA, BranchCalendar, indonesian_holidays
from scheduling.errors import InvalidBranchCalendar, NaiveDatetime
from workflow.rules import RULE_SETS, WORKING_DAY_CALENDAR

D = date.fromisoformat
JAKARTA = BranchCalendar(WIB)
CLOSED_18_AUG = BranchCalendar(WIB, closures=frozenset({D("2026-08-18")}))


@pytest.mark.parametrize(
    ("calendar", "day", "working"),
    [
        (JAKARTA, "2026-08-14", True),  # Friday
        (JAKARTA, "2026-08-15", False),  # Saturday
        (JAKARTA, "2026-08-16", False),  # Sunday
        (JAKARTA, "2026-08-17", False),  # Monday, Independence Day
        (JAKARTA, "2026-08-18", True),
        (CLOSED_18_AUG, "2026-08-18", False),  # branch closure
        (CLOSED_18_AUG, "2026-08-19", True),
        (JAKARTA, "2026-05-27", False),  # Wednesday, Eid al-Adha 2026 per `holidays`
        (JAKARTA, "2026-05-14", False),  # Thursday, Ascension Day
        (JAKARTA, "2026-03-19", False),  # Thursday, Nyepi
        (JAKARTA, "2026-12-24", False),  # Thursday, joint leave (cuti bersama) for Christmas
        (JAKARTA, "2026-12-25", False),  # Friday, Christmas
        (JAKARTA, "2026-01-01", False),  # Thursday, New Year
        (BranchCalendar(WIT), "2026-08-17", False),  # holidays are national
    ],
)
def test_is_working_day(calendar: BranchCalendar, day: str, working: bool) -> None:
    assert calendar.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("calendar", "after", "expected"),
    [
        (JAKARTA, "2026-08-13", "2026-08-14"),  # Thursday -> Friday
        (JAKARTA, "2026-08-14", "2026-08-18"),  # over the weekend and 17 August
        (CLOSED_18_AUG, "2026-08-14", "2026-08-19"),  # and a closure
        (JAKARTA, "2026-08-15", "2026-08-18"),  # from a Saturday
        (JAKARTA, "2026-12-24", "2026-12-28"),  # Christmas Friday
        (JAKARTA, "2026-05-13", "2026-05-18"),  # Ascension Thursday, joint leave Friday
        (JAKARTA, "2026-05-26", "2026-05-29"),  # Eid al-Adha Wednesday, joint leave Thursday
        (JAKARTA, "2026-03-17", "2026-03-25"),  # Nyepi and Eid al-Fitr with their joint leave
        (JAKARTA, "2026-12-23", "2026-12-28"),  # joint leave Thursday, Christmas Friday
    ],
)
def test_next_working_day(calendar: BranchCalendar, after: str, expected: str) -> None:
    assert calendar.next_working_day(D(after)) == D(expected)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-08-13", 0, "2026-08-13"),
        ("2026-08-15", 0, "2026-08-15"),  # zero steps stays even on a day off
        ("2026-08-13", 1, "2026-08-14"),
        ("2026-08-13", 2, "2026-08-18"),
        ("2026-08-13", 5, "2026-08-21"),
        ("2026-08-18", -1, "2026-08-14"),
        # Eid al-Adha 27 May, its joint leave 28 May, Pancasila Day 1 June.
        ("2026-05-26", 5, "2026-06-05"),
        ("2026-12-22", 3, "2026-12-29"),  # 24 December (joint leave) and Christmas skipped
    ],
)
def test_add_working_days(day: str, n: int, expected: str) -> None:
    assert JAKARTA.add_working_days(D(day), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        ("2026-08-14", 2, ["2026-08-14", "2026-08-18"]),  # start counts when it is working
        ("2026-08-15", 3, ["2026-08-18", "2026-08-19", "2026-08-20"]),
        ("2026-08-15", 0, []),
    ],
)
def test_working_days_from(start: str, count: int, expected: list[str]) -> None:
    assert JAKARTA.working_days_from(D(start), count) == [D(d) for d in expected]


@pytest.mark.parametrize(
    ("zone", "instant", "local_day", "local_time"),
    [
        # 23:30 UTC is the next morning everywhere in Indonesia, one hour apart per zone.
        (WIB, "2026-08-13T23:30:00+00:00", "2026-08-14", time(6, 30)),
        (WITA, "2026-08-13T23:30:00+00:00", "2026-08-14", time(7, 30)),
        (WIT, "2026-08-13T23:30:00+00:00", "2026-08-14", time(8, 30)),
        # 16:30 UTC: still Friday in Jakarta, already Saturday in Makassar and Jayapura.
        (WIB, "2026-08-14T16:30:00+00:00", "2026-08-14", time(23, 30)),
        (WITA, "2026-08-14T16:30:00+00:00", "2026-08-15", time(0, 30)),
        (WIT, "2026-08-14T16:30:00+00:00", "2026-08-15", time(1, 30)),
    ],
)
def test_local_date_per_zone(zone: str, instant: str, local_day: str, local_time: time) -> None:
    calendar = BranchCalendar(zone)
    moment = datetime.fromisoformat(instant)
    assert calendar.local_date(moment) == D(local_day)
    assert moment.astimezone(calendar.zone).time() == local_time


@pytest.mark.parametrize(
    ("zone", "working"),
    [(WIB, False), (WITA, True), (WIT, True)],
)
def test_holiday_is_judged_on_the_branch_local_date(zone: str, working: bool) -> None:
    # 17 Aug 16:30 UTC is 23:30 on Independence Day in WIB, but 18 August in WITA and WIT.
    calendar = BranchCalendar(zone)
    day = calendar.local_date(datetime(2026, 8, 17, 16, 30, tzinfo=UTC))
    assert calendar.is_working_day(day) is working


def test_local_date_refuses_naive() -> None:
    with pytest.raises(NaiveDatetime) as caught:
        JAKARTA.local_date(datetime(2026, 8, 14, 10, 0))
    assert caught.value.code == "naive_datetime"


def test_at_local_gives_utc_instant() -> None:
    assert BranchCalendar(WIT).at_local(D("2026-08-14"), time(8, 0)) == datetime(
        2026, 8, 13, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("timezone", "opens", "closes"),
    [
        ("Asia/Nowhere", "08:00", "16:00"),
        ("", "08:00", "16:00"),
        (WIB, "16:00", "08:00"),
        (WIB, "08:00", "08:00"),
        (WIB, "08:00", "08:29"),  # not even one slot
        (WIB, "8am", "16:00"),
        (WIB, "08:00", "25:00"),
    ],
)
def test_invalid_branch_calendar(timezone: str, opens: str, closes: str) -> None:
    with pytest.raises(InvalidBranchCalendar) as caught:
        BranchCalendar.from_config(timezone, opens, closes)
    assert caught.value.code == "invalid_branch_calendar"
    assert caught.value.message_id and caught.value.message_en


def test_from_config_parses_hours_and_closures() -> None:
    calendar = BranchCalendar.from_config(WITA, "07:30", "15:00", [D("2026-08-19")])
    assert calendar == BranchCalendar(WITA, time(7, 30), time(15, 0), frozenset({D("2026-08-19")}))
    assert not calendar.is_working_day(D("2026-08-19"))


def test_holidays_are_cached_per_year() -> None:
    assert indonesian_holidays(2026) is indonesian_holidays(2026)
    assert D("2026-08-17") in indonesian_holidays(2026)
    assert D("2027-08-17") in indonesian_holidays(2027)


@pytest.mark.parametrize(
    ("day", "working", "kind"),
    [
        ("2026-12-23", True, "normal day (Wednesday)"),
        ("2026-12-24", False, "joint leave: Christmas (Thursday)"),
        ("2026-12-25", False, "public holiday: Christmas (Friday)"),
        ("2026-12-26", False, "weekend (Saturday)"),
        ("2026-12-28", True, "normal day (Monday)"),
        ("2026-02-16", False, "joint leave: Chinese New Year (Monday)"),
        ("2026-02-17", False, "public holiday: Chinese New Year (Tuesday)"),
        ("2026-03-18", False, "joint leave: Nyepi (Wednesday)"),
        ("2026-03-20", False, "joint leave: Eid al-Fitr (Friday)"),
        ("2026-03-23", False, "joint leave: Eid al-Fitr (Monday)"),
        ("2026-03-24", False, "joint leave: Eid al-Fitr (Tuesday)"),
        ("2026-03-25", True, "normal day (Wednesday)"),
        ("2026-05-15", False, "joint leave: Ascension (Friday)"),
        ("2026-05-28", False, "joint leave: Eid al-Adha (Thursday)"),
    ],
)
@pytest.mark.parametrize("zone", [WIB, WITA, WIT])
def test_joint_leave_is_not_a_working_day(zone: str, day: str, working: bool, kind: str) -> None:
    assert BranchCalendar(zone).is_working_day(D(day)) is working, kind


def test_joint_leave_comes_from_the_government_category() -> None:
    # 24 December 2026 is not a public holiday: only the `government` category makes it a day
    # off, so dropping that category from the recorded calendar makes it a working day again.
    public_only = holidays.country_holidays("ID", years=2026, categories=("public",))
    government = holidays.country_holidays("ID", years=2026, categories=("government",))
    assert D("2026-12-24") not in public_only
    assert D("2026-12-24") in government
    assert D("2026-12-24") in indonesian_holidays(2026)
    assert set(government) <= indonesian_holidays(2026)
    assert set(public_only) <= indonesian_holidays(2026)


def test_the_rules_record_the_calendar_in_use() -> None:
    assert WORKING_DAY_CALENDAR.source == holidays.__name__ == "holidays"
    # The installed package is the recorded version: an upgrade (new days off) must update
    # the record and the pin in pyproject.toml together.
    assert version(WORKING_DAY_CALENDAR.source) == WORKING_DAY_CALENDAR.version
    assert WORKING_DAY_CALENDAR.country == "ID"
    assert set(WORKING_DAY_CALENDAR.categories) == {"public", "government"}
    assert set(WORKING_DAY_CALENDAR.categories) <= set(Indonesia.supported_categories)
    # scheduling reads the one recorded calendar; every rule set records that one.
    assert all(rules.working_day_calendar == WORKING_DAY_CALENDAR for rules in RULE_SETS)
