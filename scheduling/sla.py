"""The SLA clock: a complete claim is paid within 5 working days (configurable), counted only
while BPJS owns the next step and paused while the claim waits on the applicant.

Unit of account: working time is whole local days in WIB (Asia/Jakarta) that are working
days (not Saturday, Sunday, an Indonesian national holiday or a joint leave day, cuti
bersama), each worth 24 hours; days off are worth nothing. So "5 working days" from Monday
10:00 WIB is the next Monday 10:00 WIB, and a claim submitted on Saturday starts using its
budget at Monday 00:00 WIB. Whole days (rather than office hours) keep the rule readable
for applicants and match the regulation's "5 hari kerja". Branch closures do not stop the
clock: the payout is national work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from scheduling.calendar import WIB, BranchCalendar
from scheduling.errors import require_aware

SLA_CALENDAR = BranchCalendar(timezone=WIB)
SLA_BUDGET_WORKING_DAYS = 5
WORKING_DAY_SECONDS = 24 * 60 * 60
AT_RISK_WORKING_SECONDS = WORKING_DAY_SECONDS

# workflow.md "waiting on": the clock runs where an officer or the system acts next.
SLA_RUNNING_STATUSES = frozenset(
    {"under_review", "interview_scheduled", "awaiting_approval", "approved"}
)


class SlaState(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    breached = "breached"


@dataclass(frozen=True, slots=True)
class SlaClock:
    """What the claim row stores: working seconds used in finished runs, and the start of
    the current run (None while paused or before submission).
    """

    used_seconds: int = 0
    running_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.used_seconds < 0:
            raise ValueError("used_seconds cannot be negative")
        if self.running_since is not None:
            require_aware(self.running_since, "running_since")
            object.__setattr__(self, "running_since", self.running_since.astimezone(UTC))

    @property
    def running(self) -> bool:
        return self.running_since is not None


def _working_days_spans(
    start: datetime, calendar: BranchCalendar
) -> Iterator[tuple[datetime, datetime, bool]]:
    """Consecutive (from, to, is_working) pieces from `start`, split at local midnights."""
    day: date = calendar.local_date(start)
    current = start.astimezone(UTC)
    while True:
        next_midnight = calendar.start_of_day(day + timedelta(days=1))
        yield current, next_midnight, calendar.is_working_day(day)
        current = next_midnight
        day += timedelta(days=1)


def working_seconds_between(
    start: datetime, end: datetime, calendar: BranchCalendar = SLA_CALENDAR
) -> int:
    """Working time in [start, end), whole seconds; 0 when end is not after start (clocks of
    two processes may disagree by a moment, and that must not create negative time).
    """
    require_aware(start, "start")
    require_aware(end, "end")
    end_utc = end.astimezone(UTC)
    total = timedelta(0)
    for piece_from, piece_to, working in _working_days_spans(start, calendar):
        if piece_from >= end_utc:
            break
        if working:
            total += min(piece_to, end_utc) - piece_from
    return int(total.total_seconds())


def add_working_seconds(
    start: datetime, seconds: int, calendar: BranchCalendar = SLA_CALENDAR
) -> datetime:
    """The earliest instant by which `seconds` of working time have passed since `start`."""
    require_aware(start, "start")
    remaining = timedelta(seconds=max(seconds, 0))
    if not remaining:
        return start.astimezone(UTC)
    for piece_from, piece_to, working in _working_days_spans(start, calendar):
        if not working:
            continue
        available = piece_to - piece_from
        if remaining <= available:
            return piece_from + remaining
        remaining -= available
    raise AssertionError("unreachable: the day iterator is endless")


def start(clock: SlaClock, now: datetime) -> SlaClock:
    """Run the clock from `now`; a running clock is left as it is."""
    require_aware(now, "now")
    if clock.running:
        return clock
    return SlaClock(clock.used_seconds, now)


resume = start


def pause(clock: SlaClock, now: datetime, calendar: BranchCalendar = SLA_CALENDAR) -> SlaClock:
    """Stop the clock at `now`, banking the working time of this run."""
    require_aware(now, "now")
    if clock.running_since is None:
        return clock
    used = clock.used_seconds + working_seconds_between(clock.running_since, now, calendar)
    return SlaClock(used, None)


def clock_for_status(
    clock: SlaClock, status: str, now: datetime, calendar: BranchCalendar = SLA_CALENDAR
) -> SlaClock:
    """The clock after a transition into `status`: runs while BPJS owns the next step,
    pauses otherwise (applicant's turn, or a final status)."""
    if status in SLA_RUNNING_STATUSES:
        return start(clock, now)
    return pause(clock, now, calendar)


def used_seconds(clock: SlaClock, now: datetime, calendar: BranchCalendar = SLA_CALENDAR) -> int:
    """Working seconds used so far, counting the current run up to `now`."""
    return pause(clock, now, calendar).used_seconds


def due_at(
    clock: SlaClock,
    now: datetime,
    budget_working_days: int = SLA_BUDGET_WORKING_DAYS,
    calendar: BranchCalendar = SLA_CALENDAR,
) -> datetime:
    """When the budget runs out.

    For a running clock this does not depend on `now`, so it can be stored and the officer
    queue sorted by it. A paused clock has no fixed due date; we project it as if the clock
    resumed at `now` (the earliest it could be due), so every claim still has one.
    A budget already used up when the run started gives the run's start: the true breach
    instant lies in an earlier run and is not kept.
    """
    require_aware(now, "now")
    budget = budget_working_days * WORKING_DAY_SECONDS
    remaining = budget - clock.used_seconds
    origin = clock.running_since if clock.running_since is not None else now
    return add_working_seconds(origin, remaining, calendar)


def sla_state(due: datetime, now: datetime, calendar: BranchCalendar = SLA_CALENDAR) -> SlaState:
    """Breached from the due instant on; at risk when less than one working day is left."""
    require_aware(due, "due")
    require_aware(now, "now")
    if now >= due:
        return SlaState.breached
    if working_seconds_between(now, due, calendar) < AT_RISK_WORKING_SECONDS:
        return SlaState.at_risk
    return SlaState.on_track
