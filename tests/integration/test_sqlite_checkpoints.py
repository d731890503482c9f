"""SQLite's write-ahead log is copied into the database file by a thread of its own in the
long-lived processes (claims.db.WalCheckpointer), not by whichever commit fills the log."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from claims.db import SQLITE_BACKSTOP_CHECKPOINT_PAGES, Database

ROWS = 200
ROW_BYTES = 1_000


def _write_rows(db: Database) -> None:
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)"))
    for _batch in range(ROWS // 20):
        with db.unit_of_work() as session:
            session.execute(
                text("INSERT INTO filler (body) VALUES (randomblob(:size))"),
                [{"size": ROW_BYTES}] * 20,
            )


def _checkpointer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpointer"]


def test_the_log_reaches_the_database_file_without_a_commit_copying_it(tmp_path: Path) -> None:
    path = tmp_path / "checkpointed.sqlite3"
    db = Database(f"sqlite:///{path}", background_checkpoints=True)
    try:
        with db.engine.connect() as connection:
            backstop = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert backstop == SQLITE_BACKSTOP_CHECKPOINT_PAGES
        _write_rows(db)
        # About 200 KB of log, far below the backstop: only the checkpointer can have copied
        # it into the database file. Waits for it, however slow the machine.
        deadline = time.monotonic() + 60
        while path.stat().st_size < ROWS * ROW_BYTES and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= ROWS * ROW_BYTES
    finally:
        db.dispose()
    assert not _checkpointer_threads()


def test_short_lived_processes_leave_checkpoints_to_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        assert not _checkpointer_threads()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1_000
        _write_rows(db)
        with db.read_only() as session:
            assert session.execute(text("SELECT count(*) FROM filler")).scalar_one() == ROWS
    finally:
        db.dispose()
