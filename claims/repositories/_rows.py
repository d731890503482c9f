"""Row-level fast paths shared by the repositories (and only by them): a primary-key
lookup built once per model, a one-statement INSERT or UPDATE of a mapped object without the
flush machinery, rows held for the length of a unit of work, and the flush that turns a
version moved underneath us into a 409. Why: the hot write paths (creation, booking,
approval) spend more in SQLAlchemy's per-call work than in SQLite itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Select, bindparam, event, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from claims.db import UnitOfWorkSession, driver_execute, insert_of
from claims.errors import ConcurrentChange

M = TypeVar("M")
_BY_KEY: dict[type[Any], Select[Any]] = {}
_ROW_UPDATES: dict[tuple[type[Any], tuple[str, ...]], Any] = {}


def get_row(session: Session, model: type[M], key: object) -> M | None:
    """`session.get` for a single-column primary key at about half its cost: the object
    from the session when it is there, else one SELECT built once per model (a fresh
    statement per call costs more to build and key than to run). Like `session.get`, it
    does not autoflush."""
    found = session.identity_map.get((model, (key,), None))
    if found is not None:
        return found
    statement = _BY_KEY.get(model)
    if statement is None:
        column = cast(Mapper[Any], inspect(model)).primary_key[0]
        statement = select(model).where(column == bindparam("key"))
        statement = _BY_KEY[model] = statement.execution_options(autoflush=False)
    found = session.execute(statement, {"key": key}).scalar_one_or_none()
    if found is not None:
        hold_rows(session, found)
    return found


HELD_ROWS_KEY = "held_rows"
CHAIN_HEADS_KEY = "chain_heads"


# On the units of work's own Session class, not on every Session of the process.
@event.listens_for(UnitOfWorkSession, "after_transaction_end")
def _forget_rows(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(HELD_ROWS_KEY, None)
        session.info.pop(CHAIN_HEADS_KEY, None)


def hold_rows(session: Session, *rows: object) -> None:
    """The session's identity map holds objects weakly: one that the caller drops would be
    read again by the next lookup in the same unit of work. Held here until it ends."""
    session.info.setdefault(HELD_ROWS_KEY, []).extend(rows)


_ROW_DEFAULTS: dict[type[Any], tuple[dict[str, Any], dict[str, Callable[[Any], Any]]]] = {}


def row_defaults(model: type[Any]) -> dict[str, Any]:
    """Every column of `model` but its primary key, with the value a new row takes when it
    is not given (as `insert_row` fills them): the column's scalar default, a new value of
    its callable default (a list, say), else NULL. A fresh copy for the caller to fill in."""
    known = _ROW_DEFAULTS.get(model)
    if known is None:
        defaults: dict[str, Any] = {}
        factories: dict[str, Callable[[Any], Any]] = {}
        for prop in cast(Mapper[Any], inspect(model)).column_attrs:
            column = prop.columns[0]
            if not column.primary_key:
                default = column.default
                scalar = default is not None and default.is_scalar
                defaults[column.key] = default.arg if scalar else None
                if default is not None and default.is_callable:
                    factories[column.key] = default.arg
        _ROW_DEFAULTS[model] = defaults, factories
    else:
        defaults, factories = known
    # SQLAlchemy wraps a column's callable default to take the execution context.
    return dict(defaults) | {key: make(None) for key, make in factories.items()}


def insert_row(session: Session, row: Any) -> None:
    """INSERTs a new (transient) mapped object at once, by a statement built once per model
    and without the flush machinery, then attaches it to the session as a loaded row (its
    generated primary key set). Every column goes in: those not set take the column's
    default, else NULL, exactly as the object then shows them. Integrity errors (a taken
    seat, a duplicate) are raised here, as a flush would raise them."""
    mapper = inspect(type(row))
    table = mapper.local_table
    state = inspect(row)
    assert state.transient, "insert_row takes a new object"
    values: dict[str, Any] = {}
    generated = None
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if prop.key in state.dict:
            values[column.key] = state.dict[prop.key]
        elif column.primary_key and column.autoincrement is not False:
            generated = prop.key
            continue
        else:
            default = column.default
            value = default.arg if default is not None and default.is_scalar else None
            setattr(row, prop.key, value)
            values[column.key] = value
    result = driver_execute(session.connection(), insert_of(table, values), values)
    if generated is not None:
        if isinstance(result, CursorResult):
            inserted = result.inserted_primary_key
            assert inserted is not None
            setattr(row, generated, inserted[0])
        else:
            setattr(row, generated, result.lastrowid)
    make_transient_to_detached(row)
    session.add(row)
    hold_rows(session, row)


def update_row(session: Session, row: Any, values: dict[str, Any]) -> None:
    """Sets `values` on a loaded object and writes them with one UPDATE by primary key
    (built once per model and set of columns) instead of a flush; an object that has other
    unwritten changes, or a version column, goes through the flush instead."""
    update_rows(session, [row], [values])


def update_rows(session: Session, rows: list[Any], values: list[dict[str, Any]]) -> None:
    """`update_row` for several objects of one model with the same columns (one executemany
    UPDATE)."""
    if not rows:
        return
    model = type(rows[0])
    mapper = inspect(model)
    if mapper.version_id_col is not None or any(
        inspect(row).modified or not inspect(row).persistent for row in rows
    ):
        for row, changes in zip(rows, values, strict=True):
            for name, value in changes.items():
                setattr(row, name, value)
        flush_claim(session)
        return
    table = mapper.local_table
    [key_column] = mapper.primary_key
    keys = tuple(sorted(values[0]))
    statement = _ROW_UPDATES.get((model, keys))
    if statement is None:
        statement = (
            update(table)
            .where(key_column == bindparam("row_key_"))
            .values(**{key: bindparam(key, type_=table.c[key].type) for key in keys})
        )
        _ROW_UPDATES[(model, keys)] = statement
    parameters = [
        dict(changes, row_key_=inspect(row).identity[0])
        for row, changes in zip(rows, values, strict=True)
    ]
    session.connection().execute(statement, parameters)
    for row, changes in zip(rows, values, strict=True):
        for name, value in changes.items():
            set_committed_value(row, name, value)


def flush_claim(session: Session) -> None:
    """Writes pending changes; a version that moved underneath us is a concurrent change."""
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentChange() from None
    except IntegrityError as error:
        if event_race(error):
            raise ConcurrentChange() from None
        raise


def event_race(error: IntegrityError) -> bool:
    """Two writers appending the same event sequence number: the loser's change is refused."""
    return "claim_events" in str(error.orig) or "uq_claim_events_seq" in str(error.orig)
