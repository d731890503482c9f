"""Working days and hours of one branch: weekends, Indonesian national holidays, joint leave
days (cuti bersama) and branch closures, all judged on the branch's own local calendar (WIB,
WITA or WIT). The holidays and joint leave days are those of the calendar the rules record
(`workflow.rules.WORKING_DAY_CALENDAR`: the `holidays` package, its version and categories).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from scheduling.errors import InvalidBranchCalendar, require_aware
from workflow.rules import WORKING_DAY_CALENDAR

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"
INDONESIAN_TIME_ZONES = frozenset({WIB, WITA, WIT})

DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(16, 0)
SLOT_LENGTH = timedelta(minutes=30)

_SATURDAY = 5


@lru_cache(maxsize=64)
def indonesian_holidays(year: int) -> frozenset[date]:
    """The days off of one year besides weekends: national holidays and joint leave days (the
    `public` and `government` categories of the recorded calendar). Building the `holidays`
    calendar is slow, so once a year."""
    source = WORKING_DAY_CALENDAR
    days = holidays.country_holidays(source.country, years=year, categories=source.categories)
    return frozenset(days.keys())


def _parse_time(value: time | str, name: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidBranchCalendar(
            f"{name} harus berformat JJ:MM, bukan {value!r}",
            f"{name} must be HH:MM, not {value!r}",
        ) from exc


@dataclass(frozen=True, slots=True)
class BranchCalendar:
    """One branch's calendar. Hashable, so slot lists can be cached per (calendar, day)."""

    timezone: str = WIB
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    closures: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidBranchCalendar(
                f"zona waktu tidak dikenal: {self.timezone!r}",
                f"unknown time zone: {self.timezone!r}",
            ) from exc
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise InvalidBranchCalendar(
                "jam buka dan tutup adalah jam lokal tanpa zona waktu",
                "opening and closing times are local wall times without a zone",
            )
        opens_at = datetime.combine(date.min, self.opens)
        closes_at = datetime.combine(date.min, self.closes)
        if closes_at - opens_at < SLOT_LENGTH:
            raise InvalidBranchCalendar(
                "jam tutup harus paling sedikit 30 menit setelah jam buka",
                "closing time must be at least 30 minutes after opening time",
            )
        # Accept any iterable from callers but keep the field hashable.
        if not isinstance(self.closures, frozenset):
            object.__setattr__(self, "closures", frozenset(self.closures))

    @classmethod
    def from_config(
        cls,
        timezone: str = WIB,
        opens: time | str = DEFAULT_OPENS,
        closes: time | str = DEFAULT_CLOSES,
        closures: Iterable[date] = (),
    ) -> BranchCalendar:
        """Build from the branch row or CSV (`HH:MM` strings accepted)."""
        return cls(
            timezone=timezone.strip(),
            opens=_parse_time(opens, "opens"),
            closes=_parse_time(closes, "closes"),
            closures=frozenset(closures),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key

    def local_date(self, moment: datetime) -> date:
        """The branch's calendar date at an instant."""
        require_aware(moment, "moment")
        return moment.astimezone(self.zone).date()

    def at_local(self, day: date, wall_time: time) -> datetime:
        """The UTC instant of a local wall time on a local day."""
        return datetime.combine(day, wall_time, tzinfo=self.zone).astimezone(UTC)

    def start_of_day(self, day: date) -> datetime:
        """Local midnight of `day`, as a UTC instant."""
        return self.at_local(day, time(0, 0))

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < _SATURDAY
            and day not in indonesian_holidays(day.year)
            and day not in self.closures
        )

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it when n < 0); `day` itself when n == 0."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def next_working_day(self, after: date) -> date:
        """The first working day strictly after `after`."""
        return self.add_working_days(after, 1)

    def working_days_from(self, start: date, count: int) -> list[date]:
        """The first `count` working days on or after `start`."""
        days: list[date] = []
        current = start
        while len(days) < count:
            if self.is_working_day(current):
                days.append(current)
            current += timedelta(days=1)
        return days
