"""Timing rules of interviews and drafts: reminders, automatic no-show, rebooking limits,
cancellation after a miss, and draft expiry. Pure functions of explicit instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from scheduling.calendar import BranchCalendar
from scheduling.errors import require_aware
from scheduling.slots import Slot

REMINDER_DAY_BEFORE = timedelta(hours=24)
REMINDER_HOUR_BEFORE = timedelta(hours=1)
NO_SHOW_GRACE = timedelta(minutes=30)
MAX_RESCHEDULES = 2
MISS_REBOOKING_WORKING_DAYS = 5
MISSES_BEFORE_CANCEL = 2
DRAFT_EXPIRY_DAYS = 30
DRAFT_WARNING_DAYS = 7


class ReminderKind(StrEnum):
    day_before = "day_before"
    hour_before = "hour_before"


class ReminderTimes(NamedTuple):
    day_before: datetime
    hour_before: datetime


def reminder_times(slot: Slot) -> ReminderTimes:
    """When to remind the applicant: 24 hours and 1 hour before the slot starts."""
    return ReminderTimes(
        slot.starts_at - REMINDER_DAY_BEFORE,
        slot.starts_at - REMINDER_HOUR_BEFORE,
    )


def reminders_to_schedule(slot: Slot, now: datetime) -> list[tuple[ReminderKind, datetime]]:
    """The reminders still ahead of `now`: a slot booked at 15:00 for 08:00 tomorrow gets
    only the 1-hour one, because a "24 hours before" mail sent late says the wrong thing.
    """
    require_aware(now, "now")
    times = reminder_times(slot)
    candidates = [
        (ReminderKind.day_before, times.day_before),
        (ReminderKind.hour_before, times.hour_before),
    ]
    return [(kind, at) for kind, at in candidates if at > now]


def slot_has_started(slot: Slot, now: datetime) -> bool:
    """Guard `slot_not_started` of record_no_show, pass_interview and fail_interview."""
    require_aware(now, "now")
    return now >= slot.starts_at


def no_show_due(slot: Slot) -> datetime:
    """When the scheduler records a no-show if no outcome was given: 30 minutes after the end."""
    return slot.ends_at + NO_SHOW_GRACE


def rebooking_allowed(
    reschedules_used: int,
    misses: int,
    *,
    rebooked_since_miss: bool = False,
    max_reschedules: int = MAX_RESCHEDULES,
) -> bool:
    """workflow.md `reschedule` guard (refusal code `reschedule_limit`).

    At most `max_reschedules` rebookings over the claim's life; after a miss, exactly one
    more rebooking and then no further change. The total cap wins: an applicant who already
    rebooked twice and then misses gets no third rebooking (the claim is cancelled after
    5 working days unless they cancel first). `rebooked_since_miss` is True when the claim
    is back in interview_scheduled after a miss (the only way out of interview_missed other
    than cancel is that one rebooking).
    """
    if reschedules_used < 0 or misses < 0:
        raise ValueError("counts cannot be negative")
    if reschedules_used >= max_reschedules or misses >= MISSES_BEFORE_CANCEL:
        return False
    return not (misses >= 1 and rebooked_since_miss)


def cancel_at_once_after_miss(misses: int) -> bool:
    """The second miss cancels the claim immediately."""
    return misses >= MISSES_BEFORE_CANCEL


def miss_cancellation_due(
    calendar: BranchCalendar,
    missed_at: datetime,
    working_days: int = MISS_REBOOKING_WORKING_DAYS,
) -> datetime:
    """When an unrebooked miss cancels the claim: the same local time of day, `working_days`
    working days of the branch later (a miss on Friday 16:30 is due next Friday 16:30).
    """
    require_aware(missed_at, "missed_at")
    local = missed_at.astimezone(calendar.zone)
    due_day = calendar.add_working_days(local.date(), working_days)
    return calendar.at_local(due_day, local.time().replace(tzinfo=None))


def draft_expiry_due(last_activity_at: datetime, expiry_days: int = DRAFT_EXPIRY_DAYS) -> datetime:
    """A draft expires `expiry_days` calendar days after the applicant's last activity."""
    require_aware(last_activity_at, "last_activity_at")
    return (last_activity_at + timedelta(days=expiry_days)).astimezone(UTC)


def draft_warning_due(
    last_activity_at: datetime,
    expiry_days: int = DRAFT_EXPIRY_DAYS,
    warning_days: int = DRAFT_WARNING_DAYS,
) -> datetime:
    """The warning goes `warning_days` before expiry (day 23 of 30 by default)."""
    if not 0 < warning_days < expiry_days:
        raise ValueError("warning_days must be between 0 and expiry_days")
    return draft_expiry_due(last_activity_at, expiry_days) - timedelta(days=warning_days)
