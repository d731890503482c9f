"""The sandbox clock (api.md, Sandbox): a forward-only offset over wall time, kept in the
`sandbox_clock` row so every process sees a move and a restart resumes at the simulated time.
Only when JHT_SANDBOX=true; otherwise its endpoints (claims.http.sandbox) answer 404."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from claims.errors import ServiceError, refusal
from claims.jobs.lease import wall_now
from claims.repositories.sandbox_clock import lock_sandbox_offset, write_sandbox_offset
from claims.runtime import Runtime

# From (current offset, wall time) to the new offset.
_OffsetRule = Callable[[timedelta, datetime], timedelta]


def clock_cannot_go_back(now: datetime, asked: datetime) -> ServiceError:
    return refusal(
        "clock_cannot_go_back",
        422,
        f"The sandbox clock only moves forward; it is {now.isoformat()}, "
        f"so it cannot be set to {asked.isoformat()}.",
        f"Jam sandbox hanya bisa maju; sekarang {now.isoformat()}, "
        f"jadi tidak bisa diatur ke {asked.isoformat()}.",
        now=now.isoformat(),
    )


class SandboxClockStore:
    """Reads and moves the sandbox clock in the database, and keeps `runtime.clock` in step."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        self.runtime.refresh_clock()
        return self.runtime.clock.now()

    def advance(self, seconds: float) -> datetime:
        if seconds < 0 or not math.isfinite(seconds):
            current = self.now()
            raise clock_cannot_go_back(current, current + timedelta(seconds=seconds))
        return self._move(lambda offset, _wall: offset + timedelta(seconds=seconds))

    def set(self, moment: datetime) -> datetime:
        return self._move(lambda _offset, wall: moment - wall)

    def _move(self, new_offset_from: _OffsetRule) -> datetime:
        with self.runtime.db.unit_of_work() as session:
            # Locked: two moves at once serialise, so neither is lost and the clock never
            # goes back.
            offset = lock_sandbox_offset(session)
            wall = wall_now()
            new_offset = new_offset_from(offset, wall)
            if new_offset < offset:
                raise clock_cannot_go_back(wall + offset, wall + new_offset)
            write_sandbox_offset(session, new_offset, wall)
        self.runtime.clock.set_offset(new_offset)
        return wall + new_offset
