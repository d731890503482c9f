"""Database engine and units of work: one transaction per request or job.

SQLite is the embedded default (WAL, foreign keys on, writers take the lock up front with
BEGIN IMMEDIATE so two writers never deadlock on a lock upgrade); PostgreSQL goes through
psycopg 3.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NamedTuple, Protocol, TypeVar, cast

import anyio
from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    Insert,
    Row,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    literal,
    make_url,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from claims.errors import ConcurrentChange

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32_768  # per connection
# With a background checkpointer (see WalCheckpointer) a commit never copies the log into
# the database itself, unless the checkpointer has fallen this far behind.
SQLITE_BACKSTOP_CHECKPOINT_PAGES = 10_000
SQLITE_DEFAULT_CHECKPOINT_PAGES = 1_000  # SQLite's own default, for processes without one
SQLITE_CHECKPOINT_EVERY_S = 0.2
SQLITE_WAL_SIZE_LIMIT = 64 << 20  # bytes the log file keeps after it restarts

GROUP_COMMIT_MAX_WORKS = 32  # the longest a batch holds the writer lock: ~32 creations

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str, *, pool_size: int = 10, checkpoint_pages: int = SQLITE_DEFAULT_CHECKPOINT_PAGES
) -> Engine:
    # hide_parameters: an error or a log line names the statement, never the values bound to
    # it (NIKs, account numbers, token hashes); claims.redaction scrubs what drivers quote.
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,
        )
        _configure_sqlite(engine, checkpoint_pages)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def _configure_sqlite(engine: Engine, checkpoint_pages: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: the log is synced at every commit, so a commit survives a power cut too
        # (NORMAL would only sync it at checkpoints). Nothing committed is ever lost.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoint_pages}")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_SIZE_LIMIT}")
        # A million claims carry about ten indexes: keep their upper pages in each
        # connection's cache and read the rest through the mapped file, not read() copies.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        # Straight on the driver: every transaction starts here, and SQLAlchemy's execution
        # machinery would cost more than the BEGIN itself. Its errors are wrapped as
        # SQLAlchemy would wrap them (an unreachable or locked file is OperationalError).
        statement = f"BEGIN {mode}"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.OperationalError as error:
            raise OperationalError(statement, (), error, hide_parameters=True) from error


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database file from a thread of its own.

    Left to itself SQLite checkpoints inside a commit, every 1,000 pages of log: that commit
    then copies some 4 MB into the database and syncs it while holding the write lock, and
    every writer queued behind it waits. A passive checkpoint needs no write lock, so here
    it runs beside the writers (the GIL is released while it copies and syncs). Under a
    steady stream of writes it never quite catches up, though, and SQLite starts the log
    over only once all of it has been copied; so when frames remain, a second pass runs
    holding this process's writer lock (`pause_writers`): it copies only what arrived
    during the first, and the next writer starts the log over instead of growing it."""

    def __init__(
        self,
        path: str,
        pause_writers: threading.RLock | None = None,
        every_s: float = SQLITE_CHECKPOINT_EVERY_S,
    ) -> None:
        self.path = path
        self.pause_writers = pause_writers
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            while not self._stop.wait(self.every_s):
                self.catch_up(connection)
            self.catch_up(connection)  # what the last writers left, before closing
        finally:
            connection.close()

    def catch_up(self, connection: sqlite3.Connection) -> None:
        if self.checkpoint(connection) or self.pause_writers is None:
            return
        if self.pause_writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            try:
                self.checkpoint(connection)
            finally:
                self.pause_writers.release()

    @staticmethod
    def checkpoint(connection: sqlite3.Connection) -> bool:
        """A passive checkpoint; True when the whole log is now in the database file."""
        try:
            _busy, log_frames, copied = connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
        except sqlite3.Error as error:  # a locked or vanished file: try again next time
            log.warning("WAL checkpoint failed: %s", error)
            return True
        return bool(log_frames <= copied)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class DriverSql(NamedTuple):
    """A statement compiled once for the DBAPI cursor: its SQL, each positional parameter
    with the bind processor SQLAlchemy would apply (a UTC datetime as SQLite's text), the
    values of parameters fixed in the statement (already through their processors), and for
    a SELECT the result columns that have a processor, by index (SQLite's date text back to
    a date, 0/1 back to a bool). Worked out once, not at each execution."""

    sql: str
    binds: list[tuple[str, Any]]
    defaults: dict[str, Any]
    results: list[Any]
    processing: list[tuple[int, Any]]


# None for a statement that must be rendered per execution (an expanding IN).
_DRIVER_SQL: dict[tuple[ClauseElement, str], DriverSql | None] = {}


def driver_sql(statement: ClauseElement, dialect: Any) -> DriverSql | None:
    key = (statement, dialect.name)
    if key in _DRIVER_SQL:
        return _DRIVER_SQL[key]
    done = cast(SQLCompiler, statement.compile(dialect=dialect))
    compiled: DriverSql | None = None
    if not done.post_compile_params and done.positiontup is not None:
        binds = [
            (name, done.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in done.positiontup
        ]
        results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in done._result_columns
        ]
        compiled = DriverSql(
            str(done),
            binds,
            {
                name: _bound(process, done.params[name])
                for name, process in binds
                if name in done.params
            },
            results,
            [(index, process) for index, process in enumerate(results) if process],
        )
    _DRIVER_SQL[key] = compiled
    return compiled


def driver_values(compiled: DriverSql, parameters: Mapping[str, Any]) -> list[Any]:
    fixed = compiled.defaults
    return [
        _bound(process, parameters[name]) if name in parameters else fixed[name]
        for name, process in compiled.binds
    ]


def _bound(process: Any, value: Any) -> Any:
    return value if process is None or value is None else process(value)


def in_fixed(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column IN (...)` with the values bound in the statement itself: unlike an expanding
    IN it is not rendered again at each execution, so the statement compiles once (for
    `driver_execute` too)."""
    return column.in_([literal(value, column.type) for value in values])


_INSERTS: dict[tuple[Table, tuple[str, ...]], Insert] = {}


def insert_of(table: Table, columns: Iterable[str]) -> Insert:
    """INSERT INTO `table` of exactly `columns`, each bound with its column's type: a
    statement that compiles once for `driver_execute` (a bare `insert(table)` is compiled
    again for the keys of each execution). Built once per table and set of columns."""
    key = (table, tuple(columns))
    statement = _INSERTS.get(key)
    if statement is None:
        statement = _INSERTS[key] = insert(table).values(
            {name: bindparam(name, type_=table.c[name].type) for name in key[1]}
        )
    return statement


def driver_execute(
    connection: Connection, statement: Executable, parameters: Mapping[str, Any]
) -> sqlite3.Cursor | CursorResult[Any]:
    """Runs `statement` in `connection`'s transaction straight on its SQLite cursor: compiled
    once, without SQLAlchemy's per-execution work and result processing (values come back
    as the driver gives them). For the few statements a hot write path runs every time;
    other databases go through `connection.execute`. A constraint refusal is raised as
    SQLAlchemy's IntegrityError, as `connection.execute` would raise it (its values hidden, as
    the engine hides them)."""
    compiled = (
        driver_sql(statement, connection.dialect)
        if connection.dialect.name == "sqlite" and isinstance(statement, ClauseElement)
        else None
    )
    if compiled is None:
        return connection.execute(statement, parameters)
    values = driver_values(compiled, parameters)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(compiled.sql, values)  # type: ignore[no-any-return]
    except sqlite3.IntegrityError as error:
        raise IntegrityError(compiled.sql, values, error, hide_parameters=True) from error


def driver_first(
    connection: Connection, statement: Select[Any], parameters: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of a SELECT run by `driver_execute`, each value converted as
    SQLAlchemy would return it; None when there is none."""
    result = driver_execute(connection, statement, parameters)
    if isinstance(result, CursorResult):
        found = result.first()
        return None if found is None else tuple(found)
    row = result.fetchone()
    if row is None:
        return None
    compiled = driver_sql(statement, connection.dialect)
    assert compiled is not None  # driver_execute ran it compiled
    return tuple(
        value if process is None or value is None else process(value)
        for value, process in zip(row, compiled.results, strict=True)
    )


def _processed(cursor: sqlite3.Cursor, done: DriverSql) -> list[tuple[Any, ...]]:
    """The cursor's rows with each value converted by its column's result processor (only
    the columns that have one: most come from the driver as they are)."""
    processing = done.processing
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    if not processing:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, process in processing:
            if values[index] is not None:
                values[index] = process(values[index])
        converted.append(tuple(values))
    return converted


class UnitOfWorkSession(Session):
    """The sessions of this process's units of work: the repositories attach what they keep
    per transaction (rows held, chain heads) to this class rather than to every Session."""


class UnitsOfWork(Protocol):
    """What hands out units of work: the `Database`, or a `GroupCommitWriter`'s batch."""

    def unit_of_work(self) -> AbstractContextManager[Session]: ...


class Database:
    """Owns the engine and hands out units of work. A long-lived process (the server, the
    scheduler) passes `background_checkpoints` so that SQLite's log is copied into the
    database by a `WalCheckpointer` instead of by whichever commit fills it."""

    def __init__(self, url: str, *, background_checkpoints: bool = False) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        database = make_url(url).database if self.is_sqlite else None
        file_path = database if database and database != ":memory:" else None
        checkpointing = background_checkpoints and file_path is not None
        self.engine = make_engine(
            url,
            checkpoint_pages=SQLITE_BACKSTOP_CHECKPOINT_PAGES
            if checkpointing
            else SQLITE_DEFAULT_CHECKPOINT_PAGES,
        )
        writer_bind = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        self._writer = sessionmaker(
            bind=writer_bind, class_=UnitOfWorkSession, expire_on_commit=False
        )
        self._reader = sessionmaker(
            bind=self.engine, class_=UnitOfWorkSession, expire_on_commit=False
        )
        # Reentrant: a unit of work opened inside another on the same thread behaves as before.
        self._write_lock: threading.RLock | None = threading.RLock() if self.is_sqlite else None
        self._quick_path = file_path
        self._quick_local = threading.local()
        self._quick_connections: list[sqlite3.Connection] = []
        self._checkpointer = (
            WalCheckpointer(file_path, self._write_lock) if checkpointing and file_path else None
        )
        self._group_writer: GroupCommitWriter | None = None
        self._group_writer_lock = threading.Lock()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A writing transaction: committed when the block ends normally, rolled back otherwise."""
        # SQLite takes one writer at a time; a writer that finds the lock taken sleeps and
        # polls (1, 2, 5 ... 100 ms) in its busy handler. Writers of this process queue on a
        # lock of ours instead and start the moment the previous one commits. Other
        # processes (a second `jht serve`, the CLI) still meet the busy timeout; after that
        # long a writer goes ahead without our lock rather than wait forever.
        queued = self._write_lock is not None and self._write_lock.acquire(
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )
        session = self._writer()
        try:
            yield session
            session.commit()
        except StaleDataError:  # the optimistic version check: another writer was first
            session.rollback()
            raise ConcurrentChange() from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if queued:
                assert self._write_lock is not None
                self._write_lock.release()

    async def write(self, work: Callable[[UnitsOfWork], T]) -> T:
        """Runs `work` off the event loop and returns what it returned once every unit of
        work it opened is committed. On SQLite, where writers take turns anyway, the works
        of concurrent requests are grouped (`GroupCommitWriter`); PostgreSQL takes writers
        side by side, and each work runs in a thread with transactions of its own (a batch
        there could wait on another process's locks, or deadlock with its batch)."""
        if not self.is_sqlite:
            return await anyio.to_thread.run_sync(work, self)
        if self._group_writer is None:
            with self._group_writer_lock:
                if self._group_writer is None:
                    self._group_writer = GroupCommitWriter(self)
        return await self._group_writer.run(work)

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A reading transaction; never commits."""
        session = self._reader()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was read, so callers may
            # use the loaded objects after the block.
            session.close()

    def quick_rows(
        self, statement: Select[Any], parameters: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """`read_rows` for the hottest lookups, fast enough to call on the event loop with
        SQLite: the statement compiled once, run on this thread's own read-only connection
        (autocommit: the SELECT is its own snapshot) without SQLAlchemy's execution and
        result processing. Values come back as the driver gives them: SQLite's datetimes are
        their stored UTC text. Other databases go through `read_rows`."""
        if self._quick_path is None:
            return self.read_rows(statement, parameters)
        compiled = driver_sql(statement, self.engine.dialect)
        if compiled is None:
            return self.read_rows(statement, parameters)
        connection = self._quick_connection(self._quick_path)
        return connection.execute(compiled.sql, driver_values(compiled, parameters)).fetchall()

    def quick_snapshot(
        self, reads: Sequence[tuple[Select[Any], Mapping[str, Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """The rows of several SELECTs read in one transaction, so that they agree, each
        value converted as SQLAlchemy would return it. With SQLite on this thread's read-only
        connection of `quick_rows` (each statement compiled once), fast enough for the event
        loop; other databases in one REPEATABLE READ transaction on a pooled connection."""
        compiled = [driver_sql(statement, self.engine.dialect) for statement, _ in reads]
        if self._quick_path is None or None in compiled:
            return self._snapshot_rows(reads)
        connection = self._quick_connection(self._quick_path)
        # One statement is its own snapshot (autocommit): no transaction to open.
        agreeing = len(reads) > 1
        if agreeing:
            connection.execute("BEGIN")
        try:
            return [
                _processed(connection.execute(done.sql, driver_values(done, parameters)), done)
                for done, (_, parameters) in zip(
                    cast(list[DriverSql], compiled), reads, strict=True
                )
            ]
        finally:
            if agreeing:
                connection.execute("COMMIT")

    def _snapshot_rows(
        self, reads: Sequence[tuple[Select[Any], Mapping[str, Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                return [
                    [tuple(row) for row in connection.execute(statement, parameters)]
                    for statement, parameters in reads
                ]

    def _quick_connection(self, path: str) -> sqlite3.Connection:
        """This thread's read-only autocommit connection to the SQLite file at `path`."""
        connection: sqlite3.Connection | None = getattr(self._quick_local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA query_only=ON")
            # Pages read straight from the mapped file: no read() copy per page of a lookup.
            connection.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            self._quick_local.connection = connection
            self._quick_connections.append(connection)
        return connection

    def read_rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row[Any]]:
        """One short read on a pooled connection, without an ORM session: for the hot public
        lookups that build their JSON straight from the rows."""
        with self.engine.connect() as connection:
            return connection.execute(statement, parameters).all()

    def dispose(self) -> None:
        if self._group_writer is not None:
            self._group_writer.close()
            self._group_writer = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        for connection in self._quick_connections:
            connection.close()
        self._quick_connections.clear()
        self.engine.dispose()


class _BatchUnits:
    """The units of work of one work in a group commit: each a savepoint of the batch's
    transaction, begun on a session that remembers nothing of the works before it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        session = self.session
        session.expunge_all()
        session.info.clear()
        try:
            with session.begin_nested():
                yield session
        except StaleDataError:
            raise ConcurrentChange() from None


_STOP = object()


class GroupCommitWriter:
    """Group commit: one thread runs the works submitted by concurrent requests, as many as
    are waiting (up to `max_works`), in one transaction, each of their units of work in a
    savepoint of it, and commits once for all of them. Only then is each work's result (or
    refusal) handed back, so no one is answered before what they were answered about is
    durable.

    A work that raises has its savepoints rolled back and leaves the others untouched, as
    its own transaction would; a failed commit fails every work of the batch, none of which
    is then saved. Why: SQLite writes one transaction at a time, so with a transaction per
    request the writer lock passes from thread to thread once per request, and each pass
    costs a wake-up, a BEGIN and a synced COMMIT; here it passes once per batch."""

    def __init__(self, db: Database, max_works: int = GROUP_COMMIT_MAX_WORKS) -> None:
        self.db = db
        self.max_works = max_works
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[UnitsOfWork], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((future, work))
        return future

    async def run(self, work: Callable[[UnitsOfWork], T]) -> T:
        return await asyncio.wrap_future(self.submit(work))

    def close(self) -> None:
        """Runs what was submitted before, then stops the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[Future[Any], Callable[[UnitsOfWork], Any]]] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= self.max_works:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._run_batch(batch)

    def _run_batch(self, batch: list[tuple[Future[Any], Callable[[UnitsOfWork], Any]]]) -> None:
        done: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.db.unit_of_work() as session:
                units = _BatchUnits(session)
                for future, work in batch:
                    if not future.set_running_or_notify_cancel():
                        continue  # its caller gave up before it started
                    try:
                        done.append((future, work(units), None))
                    except Exception as refusal:
                        done.append((future, None, refusal))
        except BaseException as error:
            # Nothing of the batch was committed: every work fails with the reason. The
            # thread carries on (were it to end, every later request would wait forever).
            log.error("group commit of %d works failed", len(batch), exc_info=error)
            for future, _work in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for future, result, raised in done:
            if raised is None:
                future.set_result(result)
            else:
                future.set_exception(raised)
