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

from claims.db import Database
from claims.repositories.scheduler import expire_lease, lease_holding, take_lease

SCHEDULER_LEASE = "scheduler"
LEASE_TTL = timedelta(seconds=15)


def new_holder_id() -> str:
    """hostname:pid:random, so a restarted process with a reused pid is still someone new."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def worker_name() -> str:
    """hostname:pid, the same for every call in one process: who leased an outbox row (the
    payout and notification dispatchers)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


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
        """Takes or renews the lease: True when this holder has it for another `ttl`
        (exactly one of concurrent callers wins)."""
        now = self._wall_clock()
        return take_lease(self.db, self.name, self.holder, now, now + self.ttl)

    def holds(self) -> bool:
        """Whether this holder has the lease right now (without renewing it)."""
        holding = lease_holding(self.db, self.name)
        return (
            holding is not None
            and holding.holder == self.holder
            and holding.expires_at > self._wall_clock()
        )

    def release(self) -> None:
        """Gives the lease up at once (on a clean stop), so a standby need not wait the TTL."""
        expire_lease(self.db, self.name, self.holder, self._wall_clock() - timedelta(seconds=1))

    def current_holder(self) -> str | None:
        holding = lease_holding(self.db, self.name)
        return None if holding is None else holding.holder
