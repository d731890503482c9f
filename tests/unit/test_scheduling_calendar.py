"""Working days per branch: weekends, Indonesian holidays, closures and the three zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from scheduling.calendar import WIB, WIT, WITA, BranchCalendar, indonesian_holidays
from scheduling.errors import InvalidBranchCalendar, NaiveDatetime

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
        (JAKARTA, "2026-12-24", True),
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
        (JAKARTA, "2026-05-13", "2026-05-15"),  # Ascension Thursday
        (JAKARTA, "2026-05-26", "2026-05-28"),  # Eid al-Adha Wednesday
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
        ("2026-05-26", 5, "2026-06-04"),  # Eid al-Adha 27 May, Pancasila Day 1 June
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
