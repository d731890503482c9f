"""What one process of the service holds: settings, database, the clock. Built once by the
CLI or `create_app()`, and passed to whatever needs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from claims.clock import Clock
from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.models import SandboxClock
from claims.settings import Settings

SANDBOX_CLOCK_ROW = 1


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or migrated; the message is one line for the operator."""


def describe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    # Document store and worker pool, made on first use (claims.uploads.service).
    documents: Any = None

    def refresh_clock(self) -> None:
        """Reads the sandbox clock's offset, which another process may have moved."""
        if not self.settings.sandbox:
            return
        with self.db.read_only() as session:
            row = session.get(SandboxClock, SANDBOX_CLOCK_ROW)
        if row is not None:
            self.clock.set_offset(timedelta(seconds=row.offset_seconds))

    def close(self) -> None:
        if self.documents is not None:
            self.documents.close()
        self.db.dispose()


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    from sqlalchemy.exc import DBAPIError, OperationalError

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    db = Database(url, background_checkpoints=True)
    try:
        if migrate:
            upgrade_to_head(db.engine)
        else:
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as error:
        db.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(
            f"cannot use the database {describe_url(url)}: {reason}"
        ) from None
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    runtime.refresh_clock()
    return runtime


def current_sandbox_offset(runtime: Runtime) -> float:
    with runtime.db.read_only() as session:
        offset = session.scalar(
            select(SandboxClock.offset_seconds).where(SandboxClock.id == SANDBOX_CLOCK_ROW)
        )
    return float(offset or 0.0)
