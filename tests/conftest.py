"""Shared fixtures. The database comes from the migrations, once per test session, on SQLite
by default or on PostgreSQL when JHT_TEST_DATABASE_URL says so (a fresh schema per run, so
runs never see each other's data). Each test starts from empty tables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.models import Base

# The Host of Starlette's TestClient: the service answers only the host of its public address
# (claims.http.proxy), and loopback names, which the live servers of the tests use.
os.environ.setdefault("JHT_PUBLIC_URL", "http://testserver")

TEST_DATABASE_URL = os.environ.get("JHT_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(
        reason="PostgreSQL test: set JHT_TEST_DATABASE_URL to a postgresql URL"
    )
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
        database = Database(url)
        upgrade_to_head(database.engine)
        database.dispose()
        yield url
        return
    schema = f"jht_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    url = f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    database = Database(url)
    upgrade_to_head(database.engine)
    database.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def wipe(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.is_sqlite:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            # TRUNCATE also passes the append-only trigger on claim_events, which refuses DELETE.
            joined = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    wipe(database)
    yield database
    database.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    return folder
