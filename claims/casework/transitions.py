"""The one way a claim's status changes: fire the workflow machine, then, in the caller's
transaction, write the status, bump the version (optimistic lock), move the SLA clock and
append the audit event. A concurrent change of the same claim fails with 409."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Select,
    Table,
    bindparam,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from claims.casework.audit import ChainHead, append_event, chain_head
from claims.db import driver_execute, insert_of
from claims.errors import ConcurrentChange, PreconditionFailed
from claims.models import Claim
from scheduling.sla import SlaClock, clock_for_status, due_at
from workflow.machine import TransitionFacts, fire
from workflow.rules import RuleSet, rules_by_version
from workflow.states import FINAL_STATUSES, Actor, ClaimStatus, Trigger

# Called after every recorded transition with (trigger, from, to, seconds spent in `from`):
# the metrics register here, so the casework does not depend on the web layer.
TransitionListener = Callable[[str, str, str, float], None]
TRANSITION_LISTENERS: list[TransitionListener] = []
M = TypeVar("M")
_BY_KEY: dict[type[Any], Select[Any]] = {}


@dataclass(frozen=True)
class TransitionResult:
    from_status: ClaimStatus
    to_status: ClaimStatus
    event: dict[str, Any]  # the event row written


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


_ROW_UPDATES: dict[tuple[type[Any], tuple[str, ...]], Any] = {}


HELD_ROWS_KEY = "held_rows"
CHAIN_HEADS_KEY = "chain_heads"


@event.listens_for(Session, "after_transaction_end")
def _forget_rows(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(HELD_ROWS_KEY, None)
        session.info.pop(CHAIN_HEADS_KEY, None)


def hold_rows(session: Session, *rows: object) -> None:
    """The session's identity map holds objects weakly: one that the caller drops would be
    read again by the next lookup in the same unit of work. Held here until it ends."""
    session.info.setdefault(HELD_ROWS_KEY, []).extend(rows)


def forget_facts_of_others(session: Session, claim: Claim) -> None:
    """Drops the person facts (casework.service.memo) that count `claim` itself: those read
    without it stay true whatever happens to it."""
    facts = session.info.get("person_facts")
    if facts:
        for key in [key for key in facts if key[-1] != claim.id]:
            del facts[key]


def remember_chain_head(session: Session, claim: Claim, head: ChainHead) -> None:
    """The chain's head as of the claim's current version (see `known_chain_head`)."""
    session.info.setdefault(CHAIN_HEADS_KEY, {})[claim.id] = (claim.version, head)


def known_chain_head(session: Session, claim: Claim) -> ChainHead | None:
    """The head read with the claim (or written since) while the claim is still at that
    version. Every event is appended by a transition that moves the version, so a head known
    at the version the claim's UPDATE then checks is the head the next event extends: had
    anyone appended since, that UPDATE would find another version and refuse (409)."""
    found = session.info.get(CHAIN_HEADS_KEY, {}).get(claim.id)
    if found is not None and found[0] == claim.version:
        return found[1]  # type: ignore[no-any-return]
    return None


_ROW_DEFAULTS: dict[type[Any], dict[str, Any]] = {}


def row_defaults(model: type[Any]) -> dict[str, Any]:
    """Every column of `model` but its primary key, with the value a new row takes when it
    is not given (as `insert_row` fills them): the column's scalar default, else NULL. A
    fresh copy for the caller to fill in."""
    defaults = _ROW_DEFAULTS.get(model)
    if defaults is None:
        defaults = {}
        for prop in cast(Mapper[Any], inspect(model)).column_attrs:
            column = prop.columns[0]
            if not column.primary_key:
                default = column.default
                scalar = default is not None and default.is_scalar
                defaults[column.key] = default.arg if scalar else None
        _ROW_DEFAULTS[model] = defaults
    return dict(defaults)


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


def claim_rules(claim: Claim) -> RuleSet:
    return rules_by_version(claim.rules_version)


def check_version(claim: Claim, expected_version: int | None) -> None:
    """`If-Match` on officer actions: the version the caller saw must still be current."""
    if expected_version is not None and expected_version != claim.version:
        raise PreconditionFailed(claim.version)


def _sla_fields(claim: Claim, status: ClaimStatus, rules: RuleSet, now: datetime) -> dict[str, Any]:
    """The SLA clock's columns once the claim enters `status` at `now`."""
    clock = SlaClock(used_seconds=claim.sla_used_seconds, running_since=claim.sla_running_since)
    clock = clock_for_status(clock, status, now)
    # A finished claim has no due date; a paused one shows when it would fall due if resumed now.
    final = status in FINAL_STATUSES
    return {
        "sla_used_seconds": clock.used_seconds,
        "sla_running_since": clock.running_since,
        "sla_due_at": None if final else due_at(clock, now, rules.sla_working_days),
    }


_CLAIMS = cast(Table, Claim.__table__)
_CLAIM_UPDATES: dict[tuple[str, ...], Any] = {}


def _claim_update(keys: tuple[str, ...]) -> Any:
    """UPDATE claims SET <keys>, version = :new_version WHERE id = :id AND version = :version,
    built once per set of columns."""
    statement = _CLAIM_UPDATES.get(keys)
    if statement is None:
        statement = (
            update(_CLAIMS)
            .where(
                _CLAIMS.c.id == bindparam("claim_id_"),
                _CLAIMS.c.version == bindparam("version_"),
            )
            .values(
                version=bindparam("new_version_", type_=_CLAIMS.c.version.type),
                **{key: bindparam(key, type_=_CLAIMS.c[key].type) for key in keys},
            )
        )
        _CLAIM_UPDATES[keys] = statement
    return statement


def write_claim(session: Session, claim: Claim, values: dict[str, Any]) -> None:
    """Sets `values` on the claim and writes them with a new version in one UPDATE whose
    version check refuses a concurrent change (409). A claim with no other unwritten change
    (the usual case) is written by one statement built once, and the object takes the values
    as written; otherwise through the ORM's flush, which writes those changes too."""
    head = known_chain_head(session, claim)  # unchanged by this write: no event is added
    state = inspect(claim)
    if state.modified or not state.persistent:
        for name, value in values.items():
            setattr(claim, name, value)
        flag_modified(claim, "status")  # written, and its version moved, even if unchanged
        flush_claim(session)
        if head is not None:
            remember_chain_head(session, claim, head)
        return
    keys = tuple(sorted(values))
    version = claim.version
    parameters = dict(values, claim_id_=claim.id, version_=version, new_version_=version + 1)
    result = session.connection().execute(_claim_update(keys), parameters)
    if result.rowcount != 1:
        raise ConcurrentChange()
    for name, value in values.items():
        set_committed_value(claim, name, value)
    set_committed_value(claim, "version", version + 1)
    if head is not None:
        remember_chain_head(session, claim, head)


def transition(
    session: Session,
    claim: Claim,
    trigger: Trigger,
    actor: Actor,
    now: datetime,
    facts: TransitionFacts | None = None,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
) -> TransitionResult:
    """Fires `trigger` and records it; raises a WorkflowError (nothing written) when refused.
    `changes` are further claim fields to set with the new status."""
    check_version(claim, expected_version)
    previous = known_chain_head(session, claim) or chain_head(session, claim.id)
    rules = claim_rules(claim)
    old = ClaimStatus(claim.status)
    new = fire(old, trigger, actor, facts or TransitionFacts(), now, rules)
    # Other fields the same step sets (who approved, when submitted): applied only once the
    # machine has accepted, and written by the same UPDATE.
    values: dict[str, Any] = {"status": new.value, "updated_at": now, **(changes or {})}
    values.update(_sla_fields(claim, new, rules, now))
    forget_facts_of_others(session, claim)  # the person's open/paid claims now differ
    # Every transition writes the claim row, so its version moves even when no field
    # changed; the UPDATE goes first: its version check (WHERE version = the one we read)
    # serialises writers of this claim, so the event appended next extends the chain head
    # read above. The unique (claim, seq) index stays as the last line of defence.
    write_claim(session, claim, values)
    flush_claim(session)  # whatever else the step left unwritten, as before
    try:
        event = append_event(
            session,
            claim,
            trigger=trigger.value,
            from_status=old.value,
            to_status=new.value,
            actor_role=actor.role.value,
            actor_id=actor.officer_id,
            at=now,
            reason_code=reason_code,
            note=note,
            data=data,
            previous=previous,
        )
    except IntegrityError as error:
        if _event_race(error):
            raise ConcurrentChange() from None
        raise
    remember_chain_head(session, claim, ChainHead(event["seq"], event["hash"], event["at"]))
    seconds_in_old = (now - previous.at).total_seconds() if previous else 0.0
    for listener in TRANSITION_LISTENERS:
        listener(trigger.value, old.value, new.value, seconds_in_old)
    return TransitionResult(old, new, event)


def flush_claim(session: Session) -> None:
    """Writes pending changes; a version that moved underneath us is a concurrent change."""
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentChange() from None
    except IntegrityError as error:
        if _event_race(error):
            raise ConcurrentChange() from None
        raise


def _event_race(error: IntegrityError) -> bool:
    """Two writers appending the same event sequence number: the loser's change is refused."""
    return "claim_events" in str(error.orig) or "uq_claim_events_seq" in str(error.orig)
