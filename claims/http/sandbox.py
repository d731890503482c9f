"""The sandbox clock's endpoints (api.md, Sandbox): read it, or move it forward and run every
job that has become due. JHT_SANDBOX=true only; otherwise they answer 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from claims.errors import NotFound
from claims.http.problems import PROBLEM
from claims.jobs.registry import REGISTRY, JobRegistry, run_due_jobs
from claims.jobs.sandbox import SandboxClockStore
from claims.runtime import Runtime

# Ten years: far beyond any workflow deadline, and well inside what datetime can hold.
MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 3600


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
