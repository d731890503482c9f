"""The claim events repository: the audit chain's reads and appends. Events are written at once
by one INSERT on the driver (never left pending in the session) and never changed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from claims.clock import as_utc
from claims.db import driver_execute, insert_of
from claims.models import ClaimEvent
from workflow.audit_chain import ChainHead

_EVENTS = cast(Table, ClaimEvent.__table__)


# Built once: a statement object keeps its cache key, so running it again skips the
# construction and the cache-key walk that a fresh select() costs on every call.
_CHAIN_HEAD = (
    select(ClaimEvent.seq, ClaimEvent.hash, ClaimEvent.at)
    .where(ClaimEvent.claim_id == bindparam("claim_id"))
    .order_by(ClaimEvent.seq.desc())
    .limit(1)
)


def chain_head(session: Session, claim_id: str) -> ChainHead | None:
    """The last event's sequence number, hash and time (no autoflush: events are written
    at once by `insert_event`, never left pending in the session)."""
    row = session.connection().execute(_CHAIN_HEAD, {"claim_id": claim_id}).first()
    return None if row is None else ChainHead(row[0], row[1], as_utc(row[2]))


_OFFICERS_WHO_ACTED = (
    select(ClaimEvent.actor_id)
    .where(
        ClaimEvent.claim_id == bindparam("claim_id"),
        ClaimEvent.actor_role.in_(bindparam("roles", expanding=True)),
        ClaimEvent.actor_id.is_not(None),
    )
    .distinct()
)


def officers_who_acted(session: Session, claim_id: str, roles: Iterable[str]) -> frozenset[int]:
    """Every officer who fired an event of the claim in one of `roles`, over its whole history
    (four-eyes: not only the last verifier and interviewer the claim row keeps)."""
    rows = session.connection().execute(
        _OFFICERS_WHO_ACTED, {"claim_id": claim_id, "roles": list(roles)}
    )
    return frozenset(int(actor_id) for (actor_id,) in rows)


def insert_event(session: Session, row: dict[str, Any]) -> None:
    """Writes one event row (as `workflow.audit_chain.chained_event` builds it) by one INSERT
    compiled once. Two writers appending the same sequence number meet the unique index:
    the loser gets IntegrityError."""
    driver_execute(session.connection(), insert_of(_EVENTS, row), row)


def events_in_chain_order(session: Session, batch_size: int) -> Iterator[ClaimEvent]:
    """Every event, claim by claim and in sequence, read `batch_size` at a time."""
    statement = (
        select(ClaimEvent)
        .order_by(ClaimEvent.claim_id, ClaimEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    return iter(session.scalars(statement))
