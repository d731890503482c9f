"""The migrations are the only source of the schema; the models must agree with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from claims.db import Database
from claims.models import Base


def test_models_match_the_migrated_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    # Indexes are declared only in the migrations (partial unique indexes), so only tables
    # and columns are compared.
    relevant = [
        d
        for d in differences
        if d[0] in ("add_table", "remove_table", "add_column", "remove_column")
    ]
    assert relevant == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # FULL = 2: every commit is synced to disk (no committed claim lost to a power cut).
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
