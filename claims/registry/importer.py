"""Loading the participant registry and the branch list from CSV: an upsert keyed by KPJ
(or branch code) in batches, with every bad line reported and the good lines kept."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from claims.clock import wib_date
from claims.db import Database
from claims.jobs.deceased import withdraw_claims_of_deceased
from claims.registry.csv_rows import (
    BRANCH_COLUMNS,
    PARTICIPANT_COLUMNS,
    STATEMENT_DATE_COLUMN,
    BadLine,
    DatedParticipantRow,
    RowError,
    check_header,
    dated_participant_parser,
    header_columns,
    parse_branch,
    parse_participant,
)
from claims.repositories.registry import (
    Record,
    RegistryUpsert,
    branches_upsert,
    participants_upsert,
)

# One transaction per batch: large enough that commits are cheap next to the rows, small
# enough that memory stays flat and the progress bar moves every second or so.
BATCH_SIZE = 20_000
ProgressCallback = Callable[[int], None]  # called with the number of bytes read so far


class FileLayout(NamedTuple):
    """How the rows under one accepted header are parsed, made into records (values in the
    order of the header's columns) and written."""

    parse: Callable[[list[str]], Any]
    as_record: Callable[[Any], Record]
    upsert: RegistryUpsert


@dataclass
class ImportReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    bad: list[BadLine] = field(default_factory=list)
    header_error: str | None = None
    # Participants only: the open claims withdrawn after the import because the registry now
    # reports their participant deceased.
    withdrawn: int = 0

    @property
    def ok(self) -> bool:
        return self.header_error is None and not self.bad


def _import(
    db: Database,
    path: Path,
    *,
    columns: tuple[str, ...],
    optional_last: str | None = None,
    layout: Callable[[tuple[str, ...]], FileLayout],
    progress: ProgressCallback | None,
) -> ImportReport:
    """Imports a file whose header is `columns`, or those and `optional_last`; `layout` says
    how rows under the file's own header are parsed and written."""
    report = ImportReport()
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
        header = next(reader, None)
        report.header_error = check_header(header, columns, optional_last)
        if report.header_error:
            return report
        file_columns = header_columns(header)
        parse, as_record, upsert = layout(file_columns)
        key_index = file_columns.index(upsert.key)
        with db.read_only() as session:
            before = upsert.count(session)
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
                    BadLine(reader.line_num, f"{upsert.key} {row_key} appears earlier in the file")
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
        report.inserted = upsert.count(session) - before
    report.updated = len(seen) - report.inserted
    return report


def import_participants(
    db: Database, path: Path, now: datetime, progress: ProgressCallback | None = None
) -> ImportReport:
    """The registry's statement of each row is dated by its `balance_date` column, or by the
    import's day in Jakarta for a file without it (or an empty value). Then the open claims
    of participants the registry reports deceased are withdrawn."""
    import_day = wib_date(now)
    dialect = db.engine.dialect

    classic_record = attrgetter(*PARTICIPANT_COLUMNS)

    def dated_record(row: DatedParticipantRow) -> Record:
        return (*classic_record(row.participant), row.balance_date)

    def layout(columns: tuple[str, ...]) -> FileLayout:
        upsert = participants_upsert(dialect, columns, now, import_day)
        if STATEMENT_DATE_COLUMN in columns:
            return FileLayout(dated_participant_parser(import_day), dated_record, upsert)
        return FileLayout(parse_participant, classic_record, upsert)

    report = _import(
        db,
        path,
        columns=PARTICIPANT_COLUMNS,
        optional_last=STATEMENT_DATE_COLUMN,
        layout=layout,
        progress=progress,
    )
    if report.header_error is None:
        # Within the import's run, not a minute later: the claims of the deaths it reported
        # close before anyone can approve them (the minute job catches whatever else).
        report.withdrawn = withdraw_claims_of_deceased(db, now)
    return report


def import_branches(
    db: Database, path: Path, now: datetime, progress: ProgressCallback | None = None
) -> ImportReport:
    return _import(
        db,
        path,
        columns=BRANCH_COLUMNS,
        layout=lambda columns: FileLayout(
            parse_branch, attrgetter(*columns), branches_upsert(db.engine.dialect, columns)
        ),
        progress=progress,
    )
