"""The sandbox clock (api.md, Sandbox): a forward-only offset over wall time, kept in the
`sandbox_clock` row so every process sees a move and a restart resumes at the simulated time.
Only when JHT_SANDBOX=true; otherwise its endpoints answer 404."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from claims.errors import NotFound, ServiceError, refusal
from claims.http.problems import PROBLEM
from claims.jobs.lease import wall_now
from claims.jobs.registry import REGISTRY, JobRegistry, run_due_jobs
from claims.models import SandboxClock
from claims.runtime import SANDBOX_CLOCK_ROW, Runtime

# Ten years: far beyond any workflow deadline, and well inside what datetime can hold.
MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600

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
            # FOR UPDATE (PostgreSQL) / BEGIN IMMEDIATE (SQLite): two moves at once serialise,
            # so neither is lost and the clock never goes back.
            row = session.scalar(
                select(SandboxClock).where(SandboxClock.id == SANDBOX_CLOCK_ROW).with_for_update()
            )
            wall = wall_now()
            offset = timedelta(seconds=row.offset_seconds) if row is not None else timedelta(0)
            new_offset = new_offset_from(offset, wall)
            if new_offset < offset:
                raise clock_cannot_go_back(wall + offset, wall + new_offset)
            if row is None:
                session.add(
                    SandboxClock(
                        id=SANDBOX_CLOCK_ROW,
                        offset_seconds=new_offset.total_seconds(),
                        updated_at=wall,
                    )
                )
            else:
                row.offset_seconds = new_offset.total_seconds()
                row.updated_at = wall
        self.runtime.clock.set_offset(new_offset)
        return wall + new_offset


class ClockMove(BaseModel):
    """Exactly one of `advance_seconds` and `set`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    advance_seconds: float | None = Field(
        default=None,
        le=MAX_ADVANCE_SECONDS,
        allow_inf_nan=False,
        description="Move the clock forward by this many seconds.",
    )
    set_to: AwareDatetime | None = Field(
        default=None,
        alias="set",
        description="Move the clock forward to this moment (ISO 8601 with an offset).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockMove:
        if (self.advance_seconds is None) == (self.set_to is None):
            raise ValueError("give exactly one of 'advance_seconds' and 'set'")
        return self


class ClockReading(BaseModel):
    now: AwareDatetime = Field(description="The application's current time (ISO 8601).")


def sandbox_runtime(request: Request) -> Runtime:
    """The app's runtime, and a 404 unless the sandbox is on (so it cannot be found in
    production)."""
    runtime: Runtime = request.app.state.runtime
    if not runtime.settings.sandbox:
        raise NotFound("sandbox")
    return runtime


def app_job_registry(request: Request) -> JobRegistry:
    """The jobs to run: the app's own registry when it has one (tests), else every job."""
    registry = getattr(request.app.state, "job_registry", None)
    return registry if isinstance(registry, JobRegistry) else REGISTRY


SandboxRuntime = Annotated[Runtime, Depends(sandbox_runtime)]
Jobs = Annotated[JobRegistry, Depends(app_job_registry)]

sandbox_router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"])


@sandbox_router.get("/clock", response_model=ClockReading, responses={404: PROBLEM})
def read_clock(runtime: SandboxRuntime) -> ClockReading:
    """The application clock (JHT_SANDBOX=true only)."""
    return ClockReading(now=SandboxClockStore(runtime).now())


@sandbox_router.post("/clock", response_model=ClockReading, responses={404: PROBLEM, 422: PROBLEM})
def move_clock(move: ClockMove, runtime: SandboxRuntime, jobs: Jobs) -> ClockReading:
    """Moves the clock forward, then runs every scheduled job that has become due before it
    answers. A move backwards is 422 `clock_cannot_go_back` (JHT_SANDBOX=true only)."""
    store = SandboxClockStore(runtime)
    if move.set_to is not None:
        store.set(move.set_to)
    else:
        store.advance(move.advance_seconds or 0.0)
    run_due_jobs(runtime, jobs)
    return ClockReading(now=runtime.clock.now())
