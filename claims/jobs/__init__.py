"""Timed work: the job registry, the one-active-scheduler runtime, and the sandbox clock."""

from claims.jobs.lease import LEASE_TTL, Lease, new_holder_id
from claims.jobs.registry import (
    JOB_MODULES,
    REGISTRY,
    JobFunction,
    JobRegistry,
    ScheduledJob,
    register_job,
    run_due_jobs,
)
from claims.jobs.runner import SchedulerRunner, SchedulerStatus, run_scheduler_forever
from claims.jobs.sandbox import SandboxClockStore

__all__ = [
    "JOB_MODULES",
    "LEASE_TTL",
    "REGISTRY",
    "JobFunction",
    "JobRegistry",
    "Lease",
    "SandboxClockStore",
    "ScheduledJob",
    "SchedulerRunner",
    "SchedulerStatus",
    "new_holder_id",
    "register_job",
    "run_due_jobs",
    "run_scheduler_forever",
]
