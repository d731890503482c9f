"""Interview slots: 30-minute blocks within branch hours on working days, and choosing the
earliest free one. A slot's capacity is the branch's number of active interviewers (seats).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from scheduling.calendar import SLOT_LENGTH, BranchCalendar
from scheduling.errors import NaiveDatetime, require_aware

LISTED_WORKING_DAYS = 10
# How far the automatic booking looks before it gives up; about three months of working days.
BOOKING_HORIZON_WORKING_DAYS = 60

TakenCounts = Mapping[datetime, int] | Callable[[datetime], int]


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """One interview slot; both ends are stored as UTC instants."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.starts_at, "starts_at")
        require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError("a slot must end after it starts")
        object.__setattr__(self, "starts_at", self.starts_at.astimezone(UTC))
        object.__setattr__(self, "ends_at", self.ends_at.astimezone(UTC))

    def local(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """Start and end in a branch's zone, for display and mail."""
        return self.starts_at.astimezone(zone), self.ends_at.astimezone(zone)


@dataclass(frozen=True, slots=True)
class SeatChoice:
    """A booking decision: the slot and the interviewer seat (0..capacity-1) to take."""

    slot: Slot
    seat: int


@lru_cache(maxsize=8192)
def _slots_on(calendar: BranchCalendar, day: date) -> tuple[Slot, ...]:
    # Cached per (calendar, day): booking walks the same days over and over, and building
    # zone-aware datetimes is the expensive part.
    if not calendar.is_working_day(day):
        return ()
    first = calendar.at_local(day, calendar.opens)
    last_end = calendar.at_local(day, calendar.closes)
    slots: list[Slot] = []
    start = first
    while start + SLOT_LENGTH <= last_end:
        slots.append(Slot(start, start + SLOT_LENGTH))
        start += SLOT_LENGTH
    return tuple(slots)


def slots_on(calendar: BranchCalendar, day: date) -> list[Slot]:
    """All slots of a local day, in order; none on a day off. 08:00-16:00 gives 16 slots."""
    return list(_slots_on(calendar, day))


@lru_cache(maxsize=1024)
def slots_after(calendar: BranchCalendar, today: date, working_days: int) -> tuple[Slot, ...]:
    """Every slot of the `working_days` working days after the branch's local day `today`.

    Booking starts on the working day after today, never today: the applicant needs notice
    and the 24-hour reminder needs time. Cached, as every booking of the day asks for the
    same window: the result depends only on the arguments, and the calendar (zone, hours
    and closures, all compared by value) is part of the key, so a calendar that differs in
    any of them is a different entry, never a stale one."""
    first_day = calendar.next_working_day(today)
    days = calendar.working_days_from(first_day, working_days)
    return tuple(slot for day in days for slot in _slots_on(calendar, day))


def _slots_from(calendar: BranchCalendar, now: datetime, working_days: int) -> tuple[Slot, ...]:
    require_aware(now, "now")
    return slots_after(calendar, calendar.local_date(now), working_days)


def upcoming_slots(
    calendar: BranchCalendar, now: datetime, working_days: int = LISTED_WORKING_DAYS
) -> list[Slot]:
    """Every slot of the next `working_days` working days after `now`'s local date."""
    return list(_slots_from(calendar, now, working_days))


def _require_aware_keys(taken: Mapping[datetime, object]) -> None:
    # Aware datetimes hash by instant, so keys in any zone match our UTC starts. A naive key
    # (SQLite hands those back) would silently never match and overbook; check one key
    # rather than all of them to keep each booking O(slots).
    for key in taken:
        if key.tzinfo is None:
            raise NaiveDatetime(
                "kunci slot terpakai harus berisi zona waktu",
                "taken-slot keys must be timezone-aware datetimes",
            )
        break


def _count_lookup(taken: TakenCounts) -> Callable[[datetime], int]:
    if callable(taken):
        return taken
    _require_aware_keys(taken)
    return lambda start: taken.get(start, 0)


def free_slots(
    calendar: BranchCalendar,
    now: datetime,
    capacity: int,
    taken: TakenCounts,
    working_days: int = LISTED_WORKING_DAYS,
) -> list[Slot]:
    """The slots an applicant may choose from: upcoming slots with a seat left."""
    if capacity <= 0:
        return []
    count = _count_lookup(taken)
    return [s for s in _slots_from(calendar, now, working_days) if count(s.starts_at) < capacity]


def earliest_free_slot(
    calendar: BranchCalendar,
    now: datetime,
    capacity: int,
    taken: TakenCounts,
    horizon_working_days: int = BOOKING_HORIZON_WORKING_DAYS,
) -> Slot | None:
    """The first slot from the next working day whose bookings are below `capacity`.

    `taken` maps a slot's start to the number of interviews booked in it (or is a function
    doing that lookup). None when the branch has no interviewer or everything is full.
    """
    if capacity <= 0:
        return None
    count = _count_lookup(taken)
    for slot in _slots_from(calendar, now, horizon_working_days):
        if count(slot.starts_at) < capacity:
            return slot
    return None


def free_seat(capacity: int, taken_seats: AbstractSet[int]) -> int | None:
    """The lowest interviewer seat 0..capacity-1 not taken; the database keeps
    (branch, slot start, seat) unique, so two bookers racing for one seat cannot both win.
    """
    for seat in range(capacity):
        if seat not in taken_seats:
            return seat
    return None


def earliest_free_seat(
    calendar: BranchCalendar,
    now: datetime,
    capacity: int,
    taken_seats: Mapping[datetime, AbstractSet[int]],
    horizon_working_days: int = BOOKING_HORIZON_WORKING_DAYS,
) -> SeatChoice | None:
    """Slot and seat in one pass, from one query of the booked (slot start, seat) pairs."""
    if capacity <= 0:
        return None
    _require_aware_keys(taken_seats)
    for slot in _slots_from(calendar, now, horizon_working_days):
        seats = taken_seats.get(slot.starts_at)
        if seats is None:
            return SeatChoice(slot, 0)
        # Full is judged by the number of bookings, as in earliest_free_slot: after an
        # interviewer leaves, seats above the new capacity still count against it.
        if len(seats) < capacity:
            seat = free_seat(capacity, seats)
            if seat is not None:  # always, by counting; kept for the type checker
                return SeatChoice(slot, seat)
    return None


def find_upcoming_slot(
    calendar: BranchCalendar,
    now: datetime,
    starts_at: datetime,
    working_days: int = LISTED_WORKING_DAYS,
) -> Slot | None:
    """The listed slot starting at `starts_at`, or None if it is not one the applicant
    could have been offered (wrong minute, a day off, today, or beyond the listing).
    """
    require_aware(starts_at, "starts_at")
    day = calendar.local_date(starts_at)
    for slot in _slots_on(calendar, day):
        if slot.starts_at == starts_at:
            break
    else:
        return None
    first_day = calendar.next_working_day(calendar.local_date(now))
    listed_days = calendar.working_days_from(first_day, working_days)
    return slot if listed_days and first_day <= day <= listed_days[-1] else None
