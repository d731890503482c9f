"""Who runs the scheduler: a lease row in `scheduler_leases`, taken and renewed with one
atomic conditional UPDATE, so among all processes sharing the database at most one holds it.

Expiry is measured in real wall time, never the sandbox clock: the sandbox clock jumps forward
on demand, and a jump would expire a healthy leader's lease and let a second scheduler in.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from claims.db import Database
from claims.models import SchedulerLease

SCHEDULER_LEASE = "scheduler"
LEASE_TTL = timedelta(seconds=15)


def new_holder_id() -> str:
    """hostname:pid:random, so a restarted process with a reused pid is still someone new."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def wall_now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """One process's claim on a named lease."""

    def __init__(
        self,
        db: Database,
        *,
        holder: str | None = None,
        name: str = SCHEDULER_LEASE,
        ttl: timedelta = LEASE_TTL,
        wall_clock: Callable[[], datetime] = wall_now,
    ) -> None:
        self.db = db
        self.holder = holder or new_holder_id()
        self.name = name
        self.ttl = ttl
        self._wall_clock = wall_clock

    def acquire(self) -> bool:
        """Takes or renews the lease: True when this holder has it for another `ttl`.

        The UPDATE succeeds only if we already hold it or it has expired; concurrent callers
        serialise on the row (PostgreSQL re-checks the WHERE after waiting, SQLite writers
        take the database lock up front), so exactly one wins. The very first use INSERTs,
        and the primary key decides that race.
        """
        now = self._wall_clock()
        with self.db.unit_of_work() as session:
            result = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name)
                .where((SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            exists = session.scalar(
                select(SchedulerLease.name).where(SchedulerLease.name == self.name)
            )
        if exists is not None:
            return False
        try:
            with self.db.unit_of_work() as session:
                session.add(
                    SchedulerLease(name=self.name, holder=self.holder, expires_at=now + self.ttl)
                )
        except IntegrityError:
            return False
        return True

    def holds(self) -> bool:
        """Whether this holder has the lease right now (without renewing it)."""
        with self.db.read_only() as session:
            row = session.execute(
                select(SchedulerLease.holder, SchedulerLease.expires_at).where(
                    SchedulerLease.name == self.name
                )
            ).first()
        return row is not None and row.holder == self.holder and row.expires_at > self._wall_clock()

    def release(self) -> None:
        """Gives the lease up at once (on a clean stop), so a standby need not wait the TTL."""
        past = self._wall_clock() - timedelta(seconds=1)
        with self.db.unit_of_work() as session:
            session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                .values(expires_at=past)
                .execution_options(synchronize_session=False)
            )

    def current_holder(self) -> str | None:
        with self.db.read_only() as session:
            return session.scalar(
                select(SchedulerLease.holder).where(SchedulerLease.name == self.name)
            )
