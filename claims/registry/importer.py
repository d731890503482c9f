"""Loading the participant registry and the branch list from CSV: an upsert keyed by KPJ
(or branch code) in batches, with every bad line reported and the good lines kept."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
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

BATCH_SIZE = 5_000
ProgressCallback = Callable[[int], None]  # called with the number of bytes read so far


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


class _CountingLines:
    """Yields decoded lines while counting the bytes read, for the progress bar."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            self.bytes_read += len(raw)
            yield raw.decode("utf-8", errors="replace")


def _upsert(session: Session, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    updates = {column: statement.excluded[column] for column in rows[0] if column != key}
    session.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates), rows)


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
    with db.read_only() as session:
        before = _count(session, model)
    seen: set[str] = set()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if batch:
            with db.unit_of_work() as session:
                _upsert(session, table, key, batch)
            batch.clear()

    with path.open("rb") as handle:
        lines = _CountingLines(handle)
        reader = csv.reader(lines)
        report.header_error = check_header(next(reader, None), columns)
        if report.header_error:
            return report
        for values in reader:
            if not values:
                continue
            report.read += 1
            line = reader.line_num
            try:
                if any("\ufffd" in value for value in values):
                    raise RowError("the line is not valid UTF-8")
                row = parse(values)
            except RowError as error:
                report.bad.append(BadLine(line, str(error)))
                continue
            row_key = getattr(row, key)
            if row_key in seen:
                report.bad.append(BadLine(line, f"{key} {row_key} appears earlier in the file"))
                continue
            seen.add(row_key)
            record = asdict(row)
            if model is Participant:
                record["updated_at"] = now
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                flush()
                if progress:
                    progress(lines.bytes_read)
        flush()
        if progress:
            progress(lines.bytes_read)
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
