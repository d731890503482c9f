"""The scheduler's tables: named leases (`scheduler_leases`, who runs the jobs) and the once-only
run keys of jobs (`job_runs`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.db import Database
from claims.models import JobRun, SchedulerLease


class LeaseHolding(NamedTuple):
    holder: str
    expires_at: datetime


def take_lease(db: Database, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
    """Takes or renews lease `name` for `holder` until `expires_at`: True when it has it.

    The UPDATE succeeds only if `holder` already holds it or it has expired at `now`;
    concurrent callers serialise on the row (PostgreSQL re-checks the WHERE after waiting,
    SQLite writers take the database lock up front), so exactly one wins. The very first use
    INSERTs, and the primary key decides that race.
    """
    with db.unit_of_work() as session:
        result = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name)
            .where((SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        exists = session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name))
    if exists is not None:
        return False
    try:
        with db.unit_of_work() as session:
            session.add(SchedulerLease(name=name, holder=holder, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def lease_holding(db: Database, name: str) -> LeaseHolding | None:
    """Who holds lease `name` and until when (perhaps already past); None if never taken."""
    with db.read_only() as session:
        row = session.execute(
            select(SchedulerLease.holder, SchedulerLease.expires_at).where(
                SchedulerLease.name == name
            )
        ).first()
    return None if row is None else LeaseHolding(row.holder, row.expires_at)


def expire_lease(db: Database, name: str, holder: str, at: datetime) -> None:
    """Lets lease `name` run out at `at`, if `holder` still holds it."""
    with db.unit_of_work() as session:
        session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(expires_at=at)
            .execution_options(synchronize_session=False)
        )


def claim_run(session: Session, job_name: str, run_key: str, holder: str, at: datetime) -> bool:
    """Claims `run_key` for this run, in the caller's transaction: True the first time, False
    when any process has claimed it before. For work that must happen once per key (a daily
    digest, one reminder per appointment) beyond what the job's own state change guarantees."""
    if session.scalar(select(JobRun.id).where(JobRun.run_key == run_key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(JobRun(job_name=job_name, run_key=run_key, holder=holder, ran_at=at))
    except IntegrityError:
        return False
    return True
