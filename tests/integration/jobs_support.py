"""Shared pieces of the scheduler tests: a runtime on the test database, and waiting for a
condition without asserting on how long it took."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from claims.clock import Clock
from claims.db import Database
from claims.runtime import Runtime
from claims.settings import Settings


def make_runtime(db: Database, data_dir: Path, *, sandbox: bool = True) -> Runtime:
    settings = Settings(database_url=db.url, data_dir=data_dir, sandbox=sandbox)
    return Runtime(settings=settings, db=db, clock=Clock())


def eventually(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    """Waits for `condition`; the bound only keeps a broken build from hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)
