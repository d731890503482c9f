"""The sandbox clock's one row (`sandbox_clock`): its offset over wall time, shared by every
process on the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.db import Database
from claims.models import SandboxClock

SANDBOX_CLOCK_ROW = 1


def sandbox_offset(db: Database) -> timedelta | None:
    """The stored offset; None while the clock has never been moved."""
    with db.read_only() as session:
        row = session.get(SandboxClock, SANDBOX_CLOCK_ROW)
    return None if row is None else timedelta(seconds=row.offset_seconds)


def lock_sandbox_offset(session: Session) -> timedelta:
    """The stored offset (zero if never moved), locked for the caller's transaction: FOR
    UPDATE on PostgreSQL, and SQLite's units of work begin IMMEDIATE, so two moves at once
    serialise and neither is lost."""
    row = session.scalar(
        select(SandboxClock).where(SandboxClock.id == SANDBOX_CLOCK_ROW).with_for_update()
    )
    return timedelta(0) if row is None else timedelta(seconds=row.offset_seconds)


def write_sandbox_offset(session: Session, offset: timedelta, at: datetime) -> None:
    """Stores `offset`, moved at wall time `at` (after `lock_sandbox_offset`)."""
    row = session.get(SandboxClock, SANDBOX_CLOCK_ROW)
    if row is None:
        session.add(
            SandboxClock(id=SANDBOX_CLOCK_ROW, offset_seconds=offset.total_seconds(), updated_at=at)
        )
    else:
        row.offset_seconds = offset.total_seconds()
        row.updated_at = at
