"""Loading the participant registry and the branch list from CSV: an upsert keyed by KPJ
(or branch code) in batches, with every bad line reported and the good lines kept."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from claims.db import Database
from claims.models import Branch, Participant
from claims.registry.csv_rows import (
    BRANCH_COLUMNS,
    PARTICIPANT_COLUMNS,
    BadLine,
    RowError,
    check_header,
    parse_branch,
    parse_participant,
)

# One transaction per batch: large enough that commits are cheap next to the rows, small
# enough that memory stays flat and the progress bar moves every second or so.
BATCH_SIZE = 20_000
ProgressCallback = Callable[[int], None]  # called with the number of bytes read so far
Record = tuple[Any, ...]


@dataclass
class ImportReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    bad: list[BadLine] = field(default_factory=list)
    header_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.header_error is None and not self.bad


class _Upsert:
    """Writes batches of parsed rows straight through the driver (sqlite3 executemany, or
    psycopg COPY into a temporary table and one INSERT ... SELECT), inside the unit of work's
    transaction: the ORM's per-row statement building was most of the import time.

    Values go through each column type's own bind processor, so they are stored exactly as
    the ORM would store them (dates as text on SQLite, aware datetimes in UTC)."""

    def __init__(
        self,
        table: Table,
        key: str,
        columns: Sequence[str],
        dialect: Dialect,
        constants: Mapping[str, Any],
    ) -> None:
        """`columns` come from each record; `constants` are the same for every row."""
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
        updates = ", ".join(f"{name} = excluded.{name}" for name in self.columns if name != key)
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


def _bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    # The dialect's own variant of the type: on SQLite, Date and DateTime become text there.
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor


def _count(session: Session, model: type[Participant] | type[Branch]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _import(
    db: Database,
    path: Path,
    *,
    columns: tuple[str, ...],
    parse: Callable[[list[str]], Any],
    model: type[Participant] | type[Branch],
    key: str,
    now: datetime,
    progress: ProgressCallback | None,
) -> ImportReport:
    report = ImportReport()
    table = model.__table__
    assert isinstance(table, Table)
    constants = {"updated_at": now} if model is Participant else {}
    upsert = _Upsert(table, key, columns, db.engine.dialect, constants)
    as_record = attrgetter(*columns)
    key_index = columns.index(key)
    with db.read_only() as session:
        before = _count(session, model)
    seen: set[str] = set()
    batch: list[Record] = []
    writing: Future[None] | None = None

    def write(records: list[Record]) -> None:
        with db.unit_of_work() as session:
            upsert.write(session, records)

    def flush() -> None:
        # One batch is written by the writer thread while the next is parsed: the drivers
        # release the GIL inside the database, so the two overlap on a second core. Waiting
        # for the previous batch first keeps the batches in file order and raises its error.
        nonlocal writing
        if writing is not None:
            writing.result()
            writing = None
        if batch:
            writing = writer.submit(write, batch.copy())
            batch.clear()

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry-import") as writer,
        path.open("rb") as binary,
    ):
        # The binary handle's position is what the decoder has consumed: the file size at the
        # end, which is what the progress bar counts towards.
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text)
        report.header_error = check_header(next(reader, None), columns)
        if report.header_error:
            return report
        for values in reader:
            if not values:
                continue
            report.read += 1
            try:
                if "\ufffd" in "".join(values):
                    raise RowError("the line is not valid UTF-8")
                record = as_record(parse(values))
            except RowError as error:
                report.bad.append(BadLine(reader.line_num, str(error)))
                continue
            row_key = record[key_index]
            if row_key in seen:
                report.bad.append(
                    BadLine(reader.line_num, f"{key} {row_key} appears earlier in the file")
                )
                continue
            seen.add(row_key)
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                flush()
                if progress:
                    progress(binary.tell())
        flush()
        flush()  # the second waits for the last batch
        if progress:
            progress(binary.tell())
    with db.read_only() as session:
        report.inserted = _count(session, model) - before
    report.updated = len(seen) - report.inserted
    return report


def import_participants(
    db: Database, path: Path, now: datetime, progress: ProgressCallback | None = None
) -> ImportReport:
    return _import(
        db,
        path,
        columns=PARTICIPANT_COLUMNS,
        parse=parse_participant,
        model=Participant,
        key="kpj",
        now=now,
        progress=progress,
    )


def import_branches(
    db: Database, path: Path, now: datetime, progress: ProgressCallback | None = None
) -> ImportReport:
    return _import(
        db,
        path,
        columns=BRANCH_COLUMNS,
        parse=parse_branch,
        model=Branch,
        key="code",
        now=now,
        progress=progress,
    )
