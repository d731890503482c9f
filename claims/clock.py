"""The one application clock: every reading of "now" in the service goes through here.

In sandbox mode the clock carries an offset kept in the database (`sandbox_clock` row), so
demos and black-box tests can move time forward and a restart resumes at the simulated time.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# BPJS keeps its books by the calendar day in Jakarta (WIB): claim dates, payment days,
# statement days.
WIB = ZoneInfo("Asia/Jakarta")


class Clock:
    """Wall-clock time plus a sandbox offset; thread-safe."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset


def wib_date(moment: datetime) -> date:
    """The calendar day in Jakarta of an aware moment."""
    return moment.astimezone(WIB).date()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
