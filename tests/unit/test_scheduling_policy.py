"""Interview and draft timing rules: reminders, no-show, rebooking, cancellation, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.calendar import WIB, WIT, WITA, BranchCalendar
from scheduling.errors import NaiveDatetime
from scheduling.policy import (
    ReminderKind,
    cancel_at_once_after_miss,
    draft_expiry_due,
    draft_warning_due,
    miss_cancellation_due,
    no_show_due,
    rebooking_allowed,
    reminder_times,
    reminders_to_schedule,
    slot_has_started,
)
from scheduling.slots import Slot


def local(zone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


# Tuesday 18 August 2026, 08:00-08:30 WIB (01:00-01:30 UTC).
SLOT = Slot(local(WIB, "2026-08-18T08:00"), local(WIB, "2026-08-18T08:30"))


def test_reminder_times() -> None:
    times = reminder_times(SLOT)
    assert times.day_before == datetime(2026, 8, 17, 1, 0, tzinfo=UTC)
    assert times.hour_before == datetime(2026, 8, 18, 0, 0, tzinfo=UTC)
    assert times == (local(WIB, "2026-08-17T08:00"), local(WIB, "2026-08-18T07:00"))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-08-10T10:00", [ReminderKind.day_before, ReminderKind.hour_before]),
        ("2026-08-17T07:59", [ReminderKind.day_before, ReminderKind.hour_before]),
        ("2026-08-17T08:00", [ReminderKind.hour_before]),  # exactly due: too late to schedule
        ("2026-08-17T15:00", [ReminderKind.hour_before]),  # booked the afternoon before
        ("2026-08-18T07:00", []),
        ("2026-08-18T09:00", []),
    ],
)
def test_reminders_to_schedule(now: str, expected: list[ReminderKind]) -> None:
    assert [kind for kind, _ in reminders_to_schedule(SLOT, local(WIB, now))] == expected


@pytest.mark.parametrize(
    ("now", "started"),
    [
        ("2026-08-18T07:59:59", False),
        ("2026-08-18T08:00:00", True),
        ("2026-08-18T12:00:00", True),
    ],
)
def test_slot_has_started(now: str, started: bool) -> None:
    assert slot_has_started(SLOT, local(WIB, now)) is started


def test_no_show_is_due_30_minutes_after_the_slot_ends() -> None:
    assert no_show_due(SLOT) == local(WIB, "2026-08-18T09:00")
    assert no_show_due(SLOT).tzinfo is UTC


@pytest.mark.parametrize(
    ("reschedules_used", "misses", "rebooked_since_miss", "allowed"),
    [
        (0, 0, False, True),
        (1, 0, False, True),
        (2, 0, False, False),  # at most 2 rebookings in total
        (3, 0, False, False),
        (0, 1, False, True),  # one rebooking after a miss
        (1, 1, False, True),  # rebooked once before the miss: the second one is the last
        (1, 1, True, False),  # already rebooked after the miss: no further change
        (2, 1, True, False),
        (2, 1, False, False),  # the total cap wins over "one more after a miss"
        (0, 2, False, False),  # second miss: cancelled
    ],
)
def test_rebooking_policy(
    reschedules_used: int, misses: int, rebooked_since_miss: bool, allowed: bool
) -> None:
    assert (
        rebooking_allowed(reschedules_used, misses, rebooked_since_miss=rebooked_since_miss)
        is allowed
    )


def test_rebooking_cap_is_configurable_and_counts_cannot_be_negative() -> None:
    assert rebooking_allowed(2, 0, max_reschedules=3) is True
    with pytest.raises(ValueError):
        rebooking_allowed(-1, 0)


@pytest.mark.parametrize(("misses", "at_once"), [(0, False), (1, False), (2, True), (3, True)])
def test_second_miss_cancels_at_once(misses: int, at_once: bool) -> None:
    assert cancel_at_once_after_miss(misses) is at_once


@pytest.mark.parametrize(
    ("calendar", "missed_at", "due"),
    [
        # Friday 14 Aug 16:30 WIB; 17 Aug is Independence Day.
        (BranchCalendar(WIB), "2026-08-14T16:30", "2026-08-24T16:30"),
        # Tuesday 26 May WITA; Eid al-Adha 27 May, its joint leave 28 May, Pancasila Day 1 June.
        (BranchCalendar(WITA), "2026-05-26T09:00", "2026-06-05T09:00"),
        # Wednesday 23 Dec WIT; joint leave Thursday, Christmas Friday, New Year's Day.
        (BranchCalendar(WIT), "2026-12-23T10:00", "2027-01-04T10:00"),
        # and a branch closure on Wednesday 19 August.
        (
            BranchCalendar(WIB, closures=frozenset({datetime(2026, 8, 19).date()})),
            "2026-08-14T16:30",
            "2026-08-26T16:30",
        ),
    ],
)
def test_miss_cancellation_due(calendar: BranchCalendar, missed_at: str, due: str) -> None:
    result = miss_cancellation_due(calendar, local(calendar.timezone, missed_at))
    assert result == local(calendar.timezone, due)
    assert result.tzinfo is UTC


def test_miss_cancellation_uses_the_branch_local_day() -> None:
    # 14 Aug 16:30 UTC is Friday 23:30 in WIB but Saturday 01:30 in WIT.
    missed = datetime(2026, 8, 14, 16, 30, tzinfo=UTC)
    assert miss_cancellation_due(BranchCalendar(WIB), missed) == local(WIB, "2026-08-24T23:30")
    assert miss_cancellation_due(BranchCalendar(WIT), missed) == local(WIT, "2026-08-24T01:30")


@pytest.mark.parametrize(
    ("last_activity", "expiry_days", "warning_days", "warn_at", "expire_at"),
    [
        ("2026-07-01T10:00", 30, 7, "2026-07-24T10:00", "2026-07-31T10:00"),
        ("2026-12-15T23:00", 30, 7, "2027-01-07T23:00", "2027-01-14T23:00"),
        ("2026-07-01T10:00", 60, 10, "2026-08-20T10:00", "2026-08-30T10:00"),
    ],
)
def test_draft_expiry_and_warning(
    last_activity: str, expiry_days: int, warning_days: int, warn_at: str, expire_at: str
) -> None:
    last = local(WIB, last_activity)
    assert draft_expiry_due(last, expiry_days) == local(WIB, expire_at)
    assert draft_warning_due(last, expiry_days, warning_days) == local(WIB, warn_at)


def test_default_draft_expiry_is_30_days_with_warning_at_23() -> None:
    last = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    assert draft_expiry_due(last) - last == timedelta(days=30)
    assert draft_warning_due(last) - last == timedelta(days=23)


@pytest.mark.parametrize("warning_days", [0, 30, 31, -1])
def test_warning_must_fall_before_expiry(warning_days: int) -> None:
    with pytest.raises(ValueError):
        draft_warning_due(datetime(2026, 7, 1, tzinfo=UTC), 30, warning_days)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(NaiveDatetime):
        draft_expiry_due(datetime(2026, 7, 1))
    with pytest.raises(NaiveDatetime):
        miss_cancellation_due(BranchCalendar(WIB), datetime(2026, 7, 1))
    with pytest.raises(NaiveDatetime):
        slot_has_started(SLOT, datetime(2026, 8, 18, 8))
