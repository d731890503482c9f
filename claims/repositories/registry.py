"""The registry repository: participants and branches (the CSV imports' bulk upserts and
counts, and the branches the pages and views read) and officers (their creation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from claims.models import Branch, Officer, Participant

Record = tuple[Any, ...]


class RegistryUpsert:
    """Writes batches of parsed rows of one registry table, keyed by `key`, straight through
    the driver (sqlite3 executemany, or psycopg COPY into a temporary table and one
    INSERT ... SELECT), inside the caller's transaction: the ORM's per-row statement
    building was most of the import time.

    Values go through each column type's own bind processor, so they are stored exactly as
    the ORM would store them (dates as text on SQLite, aware datetimes in UTC)."""

    def __init__(
        self,
        table: Table,
        key: str,
        columns: Sequence[str],
        dialect: Dialect,
        constants: Mapping[str, Any],
        newer_wins: tuple[str, Sequence[str]] | None = None,
    ) -> None:
        """`columns` come from each record; `constants` are the same for every row.

        `newer_wins` is (date column, the columns it dates): a row already stored keeps
        those columns, date included, when the incoming date is earlier than its own (an
        older statement arriving late); every other column is updated all the same."""
        self.table = table
        self.key = key
        self.columns = [*columns, *constants]
        self.is_postgresql = dialect.name == "postgresql"
        processors = [_bind_processor(table.c[name], dialect) for name in columns]
        self.processors = [(i, p) for i, p in enumerate(processors) if p is not None]
        self.constants = tuple(
            value
            if (process := _bind_processor(table.c[name], dialect)) is None
            else process(value)
            for name, value in constants.items()
        )
        # Table and column names come from the model, never from the file: S608 does not apply.
        names = ", ".join(self.columns)
        updates = ", ".join(
            _update(table.name, name, newer_wins) for name in self.columns if name != key
        )
        conflict = f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        if self.is_postgresql:
            self.staging = f"{table.name}_import"
            self.create_staging = (
                f"CREATE TEMPORARY TABLE {self.staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table.name} WITH NO DATA"
            )
            self.copy = f"COPY {self.staging} ({names}) FROM STDIN"
            self.statement = (
                f"INSERT INTO {table.name} ({names}) "  # noqa: S608
                f"SELECT {names} FROM {self.staging} {conflict}"
            )
        else:
            marks = ", ".join("?" for _ in self.columns)
            self.statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}"  # noqa: S608

    def bound(self, record: Record) -> Record:
        values = list(record)
        for index, process in self.processors:
            values[index] = process(values[index])
        values.extend(self.constants)
        return tuple(values)

    def write(self, session: Session, records: list[Record]) -> None:
        """Inserts or updates `records` (values in the order of `columns`)."""
        rows = [self.bound(record) for record in records]
        driver = session.connection().connection
        cursor = driver.cursor()
        try:
            if self.is_postgresql:
                cursor.execute(self.create_staging)
                with cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(self.statement)
            else:
                cursor.executemany(self.statement, rows)
        finally:
            cursor.close()

    def count(self, session: Session) -> int:
        """How many rows the table holds."""
        return session.scalar(select(func.count()).select_from(self.table)) or 0


def _update(table: str, name: str, newer_wins: tuple[str, Sequence[str]] | None) -> str:
    """The SET clause of one column in the upsert's ON CONFLICT DO UPDATE. Both SQLite and
    PostgreSQL read `table.column` there as the stored row's value and `excluded.column` as
    the incoming one, and evaluate every SET against the row as it was, so the date column
    can be compared in its own SET too. Dates are ISO text on SQLite: text order is date
    order."""
    if newer_wins is not None:
        dated_by, dated = newer_wins
        if name == dated_by or name in dated:
            return (
                f"{name} = CASE WHEN excluded.{dated_by} >= {table}.{dated_by} "
                f"THEN excluded.{name} ELSE {table}.{name} END"
            )
    return f"{name} = excluded.{name}"


def _bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    # The dialect's own variant of the type: on SQLite, Date and DateTime become text there.
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor


def _table(model: type[Participant] | type[Branch]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def participants_upsert(
    dialect: Dialect, columns: Sequence[str], now: datetime, import_day: date
) -> RegistryUpsert:
    """The participants' upsert by KPJ, stamping `updated_at` with `now` and, for a file
    without statement dates, `balance_date` with `import_day`. A statement older than the
    one stored leaves the stored balance and its date as they are (domain.md, The JHT
    account: a newer statement replaces an older one)."""
    constants: dict[str, Any] = {"updated_at": now}
    if "balance_date" not in columns:
        constants["balance_date"] = import_day
    return RegistryUpsert(
        _table(Participant),
        "kpj",
        columns,
        dialect,
        constants,
        newer_wins=("balance_date", ("balance",)),
    )


def branches_upsert(dialect: Dialect, columns: Sequence[str]) -> RegistryUpsert:
    """The branches' upsert by branch code."""
    return RegistryUpsert(_table(Branch), "code", columns, dialect, {})


def has_participants(session: Session) -> bool:
    """Whether any participant has been imported."""
    return session.scalar(select(Participant.kpj).limit(1)) is not None


def branch_of(session: Session, code: str) -> Branch | None:
    """The branch of that code, if there is one."""
    return session.get(Branch, code)


def branch_exists(session: Session, code: str) -> bool:
    """Whether a branch with this code has been imported."""
    return branch_of(session, code) is not None


def branches_by_name(session: Session) -> list[Branch]:
    """Every branch, in the order of their names (the apply form's list)."""
    return list(session.scalars(select(Branch).order_by(Branch.name)))


def insert_officer(
    session: Session,
    *,
    name: str,
    branch_code: str | None,
    roles: Sequence[str],
    token_hash: str,
    now: datetime,
) -> Officer:
    """Adds an active officer and flushes, so its id is known."""
    officer = Officer(
        name=name,
        branch_code=branch_code,
        roles=" ".join(roles),
        token_hash=token_hash,
        active=True,
        created_at=now,
    )
    session.add(officer)
    session.flush()
    return officer
