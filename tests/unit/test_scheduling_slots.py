"""Interview slots: the grid of a day, listing, earliest free slot and seats."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

import scheduling.calendar as calendar_module
from scheduling import slots as slots_module
from scheduling.calendar import WIB, WIT, WITA, BranchCalendar
from scheduling.errors import NaiveDatetime
from scheduling.slots import (
    SeatChoice,
    Slot,
    earliest_free_seat,
    earliest_free_slot,
    find_upcoming_slot,
    free_seat,
    free_slots,
    slots_after,
    slots_on,
    upcoming_slots,
)

D = date.fromisoformat
JAKARTA = BranchCalendar(WIB)
WIB_TZ = ZoneInfo(WIB)


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB_TZ)


# Thursday 13 August 2026, 10:00 WIB: the next working day is Friday 14 August.
NOW = wib("2026-08-13T10:00")
FIRST = Slot(wib("2026-08-14T08:00"), wib("2026-08-14T08:30"))
SECOND = Slot(wib("2026-08-14T08:30"), wib("2026-08-14T09:00"))
THIRD = Slot(wib("2026-08-14T09:00"), wib("2026-08-14T09:30"))


@pytest.mark.parametrize(
    ("opens", "closes", "count", "first_local", "last_local_start"),
    [
        (time(8), time(16), 16, time(8), time(15, 30)),
        (time(7, 30), time(15), 15, time(7, 30), time(14, 30)),
        (time(8), time(16, 15), 16, time(8), time(15, 30)),  # a partial slot is not offered
        (time(8, 15), time(9, 15), 2, time(8, 15), time(8, 45)),
    ],
)
def test_slots_on_a_working_day(
    opens: time, closes: time, count: int, first_local: time, last_local_start: time
) -> None:
    calendar = BranchCalendar(WIB, opens, closes)
    day = slots_on(calendar, D("2026-08-14"))
    assert len(day) == count
    assert day[0].local(WIB_TZ)[0].time() == first_local
    assert day[-1].local(WIB_TZ)[0].time() == last_local_start
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in day)
    assert all(a.ends_at == b.starts_at for a, b in pairwise(day))


@pytest.mark.parametrize(
    ("day", "count"),
    [
        ("2026-08-14", 16),  # a normal Friday
        ("2026-08-15", 0),  # Saturday
        ("2026-08-16", 0),  # Sunday
        ("2026-08-17", 0),  # Independence Day
        ("2026-12-25", 0),  # Christmas
        ("2026-12-24", 0),  # joint leave (cuti bersama) before Christmas
        ("2026-05-15", 0),  # joint leave after Ascension
        ("2026-03-23", 0),  # joint leave after Eid al-Fitr
        ("2026-12-23", 16),  # the day before the joint leave
    ],
)
@pytest.mark.parametrize("zone", [WIB, WITA, WIT])
def test_slots_per_day(zone: str, day: str, count: int) -> None:
    assert len(slots_on(BranchCalendar(zone), D(day))) == count


@pytest.mark.parametrize(
    ("now", "first_days"),
    [
        # Tuesday 22 Dec: Wednesday, then over joint leave, Christmas and the weekend.
        ("2026-12-22T10:00", ["2026-12-23", "2026-12-28", "2026-12-29"]),
        # On the joint leave day itself: the next working day is Monday.
        ("2026-12-24T10:00", ["2026-12-28", "2026-12-29", "2026-12-30"]),
        # Tuesday 17 Mar: 18 to 24 March are Nyepi, Eid al-Fitr and their joint leave.
        ("2026-03-17T10:00", ["2026-03-25", "2026-03-26", "2026-03-27"]),
    ],
)
def test_no_slots_are_offered_on_joint_leave(now: str, first_days: list[str]) -> None:
    listed = upcoming_slots(JAKARTA, wib(now), working_days=3)
    assert sorted({s.local(WIB_TZ)[0].date() for s in listed}) == [D(d) for d in first_days]
    assert len(listed) == 3 * 16


def test_booking_skips_joint_leave() -> None:
    now = wib("2026-12-22T10:00")
    wednesday = {s.starts_at: 1 for s in slots_on(JAKARTA, D("2026-12-23"))}
    after = Slot(wib("2026-12-28T08:00"), wib("2026-12-28T08:30"))
    assert earliest_free_slot(JAKARTA, now, 1, wednesday) == after
    assert earliest_free_seat(JAKARTA, now, 1, {k: {0} for k in wednesday}) == SeatChoice(after, 0)
    assert find_upcoming_slot(JAKARTA, now, wib("2026-12-24T08:00")) is None
    assert find_upcoming_slot(JAKARTA, now, after.starts_at) == after


def test_no_slots_on_branch_closure() -> None:
    calendar = BranchCalendar(WIB, closures=frozenset({D("2026-08-14")}))
    assert slots_on(calendar, D("2026-08-14")) == []


@pytest.mark.parametrize(
    ("zone", "first_utc"),
    [
        (WIB, datetime(2026, 8, 14, 1, 0, tzinfo=UTC)),
        (WITA, datetime(2026, 8, 14, 0, 0, tzinfo=UTC)),
        (WIT, datetime(2026, 8, 13, 23, 0, tzinfo=UTC)),  # previous UTC day
    ],
)
def test_first_slot_in_utc_per_zone(zone: str, first_utc: datetime) -> None:
    first = slots_on(BranchCalendar(zone), D("2026-08-14"))[0]
    assert first.starts_at == first_utc
    assert first.starts_at.tzinfo is UTC


def test_slot_is_stored_in_utc_and_shown_locally() -> None:
    slot = Slot(wib("2026-08-14T08:00"), wib("2026-08-14T08:30"))
    assert slot.starts_at.utcoffset() == timedelta(0)
    assert slot.starts_at == datetime(2026, 8, 14, 1, 0, tzinfo=UTC)
    start, end = slot.local(ZoneInfo(WIT))
    assert (start.hour, end.hour, end.minute) == (10, 10, 30)


def test_slot_refuses_naive_and_empty() -> None:
    with pytest.raises(NaiveDatetime):
        Slot(datetime(2026, 8, 14, 8), datetime(2026, 8, 14, 8, 30))
    with pytest.raises(ValueError, match="end after"):
        Slot(wib("2026-08-14T08:30"), wib("2026-08-14T08:30"))


def test_upcoming_slots_cover_ten_working_days() -> None:
    listed = upcoming_slots(JAKARTA, NOW)
    assert len(listed) == 10 * 16
    assert listed[0] == FIRST
    # 14, 18, 19, 20, 21, 24, 26, 27, 28, 31 August: 17 is Independence Day and 25 the
    # Prophet's Birthday in the `holidays` calendar.
    days = sorted({s.local(WIB_TZ)[0].date() for s in listed})
    assert len(days) == 10
    assert days[0] == D("2026-08-14")
    assert D("2026-08-17") not in days
    assert D("2026-08-25") not in days
    assert days[-1] == D("2026-08-31")
    assert listed[-1].local(WIB_TZ)[0] == wib("2026-08-31T15:30")
    assert listed == sorted(listed)


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        # 16:30 UTC on Thursday 13 Aug: 23:30 Thursday in WIB, but already Friday in
        # WITA and WIT, so there "the next working day" is Tuesday 18 August.
        (WIB, "2026-08-14"),
        (WITA, "2026-08-18"),
        (WIT, "2026-08-18"),
    ],
)
def test_upcoming_slots_start_after_the_local_today(zone: str, first_day: str) -> None:
    calendar = BranchCalendar(zone)
    now = datetime(2026, 8, 13, 16, 30, tzinfo=UTC)
    first = upcoming_slots(calendar, now, working_days=1)
    assert len(first) == 16
    assert first[0].local(calendar.zone)[0] == datetime.combine(
        D(first_day), time(8), tzinfo=calendar.zone
    )


def test_upcoming_slots_never_offer_today() -> None:
    early_friday = wib("2026-08-14T06:00")
    assert upcoming_slots(JAKARTA, early_friday, 1)[0].local(WIB_TZ)[0] == wib("2026-08-18T08:00")


def test_cached_windows_are_keyed_on_the_whole_calendar() -> None:
    # Booking asks for the same window over and over, so it is cached; a calendar that
    # differs in a closure or in its hours must never be handed another calendar's window.
    today = D("2026-08-13")
    assert slots_after(JAKARTA, today, 2)[0] == FIRST
    closed_friday = BranchCalendar(WIB, closures=frozenset({D("2026-08-14")}))
    assert slots_after(closed_friday, today, 2)[0].local(WIB_TZ)[0] == wib("2026-08-18T08:00")
    later = BranchCalendar(WIB, opens=time(9))
    assert slots_after(later, today, 2)[0].local(WIB_TZ)[0] == wib("2026-08-14T09:00")
    # Keyed by value: an equal calendar built again finds the same entry.
    assert slots_after(BranchCalendar(WIB), today, 2) is slots_after(JAKARTA, today, 2)


@pytest.mark.parametrize(
    ("capacity", "taken", "expected"),
    [
        (1, {}, FIRST),
        (2, {FIRST.starts_at: 1}, FIRST),  # a seat left
        (2, {FIRST.starts_at: 2}, SECOND),  # full slot skipped
        (2, {FIRST.starts_at: 2, SECOND.starts_at: 3}, THIRD),  # over-full too
        (1, {FIRST.starts_at: 1, SECOND.starts_at: 0}, SECOND),
        (0, {}, None),  # no interviewer
        (-1, {}, None),
    ],
)
def test_earliest_free_slot(
    capacity: int, taken: dict[datetime, int], expected: Slot | None
) -> None:
    assert earliest_free_slot(JAKARTA, NOW, capacity, taken) == expected


def test_earliest_free_slot_accepts_a_lookup_function() -> None:
    booked = {FIRST.starts_at: 1}
    assert earliest_free_slot(JAKARTA, NOW, 1, lambda s: booked.get(s, 0)) == SECOND


def test_taken_keys_in_another_zone_still_match() -> None:
    taken = {wib("2026-08-14T08:00"): 1}
    assert earliest_free_slot(JAKARTA, NOW, 1, taken) == SECOND


def test_naive_taken_keys_are_refused() -> None:
    with pytest.raises(NaiveDatetime):
        earliest_free_slot(JAKARTA, NOW, 1, {datetime(2026, 8, 14, 1, 0): 1})


def test_everything_full_within_the_horizon_gives_none() -> None:
    taken = {s.starts_at: 1 for s in upcoming_slots(JAKARTA, NOW, 2)}
    assert earliest_free_slot(JAKARTA, NOW, 1, taken, horizon_working_days=2) is None
    third_day = earliest_free_slot(JAKARTA, NOW, 1, taken, horizon_working_days=3)
    assert third_day is not None
    assert third_day.local(WIB_TZ)[0] == wib("2026-08-19T08:00")


def test_free_slots_lists_only_slots_with_a_seat() -> None:
    listed = free_slots(JAKARTA, NOW, 1, {FIRST.starts_at: 1})
    assert len(listed) == 159
    assert listed[0] == SECOND
    assert free_slots(JAKARTA, NOW, 0, {}) == []


@pytest.mark.parametrize(
    ("capacity", "taken", "expected"),
    [
        (2, set(), 0),
        (2, {0}, 1),
        (2, {1}, 0),  # a cancelled seat is reused
        (3, {0, 2}, 1),
        (2, {0, 1}, None),
        (0, set(), None),
    ],
)
def test_free_seat(capacity: int, taken: set[int], expected: int | None) -> None:
    assert free_seat(capacity, taken) == expected


@pytest.mark.parametrize(
    ("capacity", "taken", "expected"),
    [
        (2, {}, SeatChoice(FIRST, 0)),
        (2, {FIRST.starts_at: {0}}, SeatChoice(FIRST, 1)),
        (2, {FIRST.starts_at: {0, 1}, SECOND.starts_at: {1}}, SeatChoice(SECOND, 0)),
        # An interviewer left: seat 3 still counts, so FIRST with two bookings is full.
        (2, {FIRST.starts_at: {0, 3}}, SeatChoice(SECOND, 0)),
        (3, {FIRST.starts_at: {0, 3}}, SeatChoice(FIRST, 1)),
        (0, {}, None),
    ],
)
def test_earliest_free_seat(
    capacity: int, taken: dict[datetime, set[int]], expected: SeatChoice | None
) -> None:
    assert earliest_free_seat(JAKARTA, NOW, capacity, taken) == expected


@pytest.mark.parametrize(
    ("starts_at", "found"),
    [
        ("2026-08-14T08:00", True),
        ("2026-08-14T15:30", True),
        ("2026-08-31T15:30", True),  # last slot of the tenth working day
        ("2026-09-01T08:00", False),  # eleventh working day
        ("2026-08-25T08:00", False),  # Prophet's Birthday
        ("2026-08-14T08:10", False),  # not on the grid
        ("2026-08-14T16:00", False),  # after closing
        ("2026-08-13T14:00", False),  # today
        ("2026-08-15T08:00", False),  # Saturday
        ("2026-08-17T08:00", False),  # Independence Day
    ],
)
def test_find_upcoming_slot(starts_at: str, found: bool) -> None:
    slot = find_upcoming_slot(JAKARTA, NOW, wib(starts_at))
    assert (slot is not None) is found
    if slot is not None:
        assert slot.starts_at == wib(starts_at)


def test_booking_does_not_rebuild_holidays(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = holidays.country_holidays

    def counting(country: str, years: int, **options: Any) -> object:
        builds.append(years)
        return real(country, years=years, **options)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar_module.indonesian_holidays.cache_clear()
    slots_module._slots_on.cache_clear()
    slots_module.slots_after.cache_clear()
    taken = {s.starts_at: 1 for s in upcoming_slots(JAKARTA, NOW, 3)}
    for _ in range(200):
        earliest_free_slot(JAKARTA, NOW, 1, taken)
    assert builds == [2026]
    calendar_module.indonesian_holidays.cache_clear()
