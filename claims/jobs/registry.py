"""The scheduled jobs: each is a plain function `job(runtime, now) -> int` (items handled),
registered under a name with how often it runs. Jobs read only database state and are
idempotent, so running one again, late, or from another process does no harm."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from claims.runtime import Runtime

log = logging.getLogger(__name__)

JobFunction = Callable[["Runtime", datetime], int]

# Modules whose import registers jobs (with @register_job). The scheduler and the sandbox clock
# import them before running anything, so a job is never missed because nobody imported it.
JOB_MODULES: list[str] = [
    "claims.booking.jobs",
    "claims.payouts.jobs",
    "claims.notifications.jobs",
    "claims.jobs.housekeeping",
    "claims.jobs.deceased",
]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    every_seconds: float
    function: JobFunction


class JobRegistry:
    """Named jobs in registration order (the order `run_due_jobs` runs them in)."""

    def __init__(self) -> None:
        self._jobs: dict[str, ScheduledJob] = {}

    def add(self, name: str, every_seconds: float, function: JobFunction) -> ScheduledJob:
        if every_seconds <= 0:
            raise ValueError(f"job {name!r}: every_seconds must be positive")
        existing = self._jobs.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"a different job is already registered as {name!r}")
        job = ScheduledJob(name, every_seconds, function)
        self._jobs[name] = job
        return job

    def remove(self, name: str) -> None:
        self._jobs.pop(name, None)

    def get(self, name: str) -> ScheduledJob | None:
        return self._jobs.get(name)

    def jobs(self) -> list[ScheduledJob]:
        return list(self._jobs.values())


REGISTRY = JobRegistry()


@overload
def register_job(
    name: str, every_seconds: float, function: None = None, *, registry: JobRegistry | None = None
) -> Callable[[JobFunction], JobFunction]: ...


@overload
def register_job(
    name: str,
    every_seconds: float,
    function: JobFunction,
    *,
    registry: JobRegistry | None = None,
) -> JobFunction: ...


def register_job(
    name: str,
    every_seconds: float,
    function: JobFunction | None = None,
    *,
    registry: JobRegistry | None = None,
) -> JobFunction | Callable[[JobFunction], JobFunction]:
    """Registers a job; as a decorator (`@register_job("reminders", 60)`) or directly."""
    target = registry or REGISTRY

    def decorate(job_function: JobFunction) -> JobFunction:
        target.add(name, every_seconds, job_function)
        return job_function

    return decorate if function is None else decorate(function)


def load_job_modules() -> None:
    for module in JOB_MODULES:
        importlib.import_module(module)


def run_one(runtime: Runtime, job: ScheduledJob, now: datetime) -> int:
    """Runs a job, logging (never raising) its failure: one broken job must not stop the
    scheduler or the sandbox clock. Answers the items handled, -1 when the job failed."""
    try:
        handled = int(job.function(runtime, now))
    except Exception:
        log.exception("scheduled job %s failed at %s", job.name, now.isoformat())
        return -1
    if handled:
        log.info("scheduled job %s handled %d item(s)", job.name, handled)
    return handled


def run_due_jobs(runtime: Runtime, registry: JobRegistry | None = None) -> dict[str, int]:
    """Runs every registered job once, now, in registration order (sandbox clock, tests).

    Each job works out for itself what has become due at `now` from database state, so
    "every job that has become due" is simply every job. This may run in an API process
    while another process holds the scheduler lease: the jobs are idempotent and do one
    transaction per item, so running beside the scheduler never does an item twice.
    """
    load_job_modules()
    runtime.refresh_clock()
    now = runtime.clock.now()
    return {job.name: run_one(runtime, job, now) for job in (registry or REGISTRY).jobs()}
