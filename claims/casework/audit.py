"""The audit trail: append-only events chained by hash, hash = SHA-256(previous hash +
canonical event). No raw NIK, bank account or document content goes into an event."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.orm import Session

from claims.clock import as_utc
from claims.db import driver_execute, insert_of
from claims.models import Claim, ClaimEvent

GENESIS_HASH = "0" * 64


EVENT_FIELDS = (
    "claim_id",
    "seq",
    "trigger",
    "from_status",
    "to_status",
    "actor_role",
    "actor_id",
    "at",
    "reason_code",
    "note",
    "rules_version",
    "data",
)


def _canonical(fields: dict[str, Any]) -> bytes:
    body = dict(fields)
    body["at"] = as_utc(body["at"]).isoformat(timespec="microseconds")
    body["data"] = body["data"] or {}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_event(event: ClaimEvent) -> bytes:
    """A stable byte form of everything the event says, independent of the database."""
    return _canonical({name: getattr(event, name) for name in EVENT_FIELDS})


def chain_hash(prev_hash: str, event: ClaimEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_event(event)).hexdigest()


class ChainHead(NamedTuple):
    """What the next event of a claim's chain needs from the last one."""

    seq: int
    hash: str
    at: datetime


# Built once: a statement object keeps its cache key, so running it again skips the
# construction and the cache-key walk that a fresh select() costs on every call.
_CHAIN_HEAD = (
    select(ClaimEvent.seq, ClaimEvent.hash, ClaimEvent.at)
    .where(ClaimEvent.claim_id == bindparam("claim_id"))
    .order_by(ClaimEvent.seq.desc())
    .limit(1)
)


def last_event(session: Session, claim_id: str) -> ClaimEvent | None:
    return session.scalar(
        select(ClaimEvent)
        .where(ClaimEvent.claim_id == claim_id)
        .order_by(ClaimEvent.seq.desc())
        .limit(1)
    )


def chain_head(session: Session, claim_id: str) -> ChainHead | None:
    """The last event's sequence number, hash and time (no autoflush: events are written
    at once by `append_event`, never left pending in the session)."""
    row = session.connection().execute(_CHAIN_HEAD, {"claim_id": claim_id}).first()
    return None if row is None else ChainHead(row[0], row[1], as_utc(row[2]))


def append_event(
    session: Session,
    claim: Claim,
    *,
    trigger: str,
    from_status: str | None,
    to_status: str,
    actor_role: str,
    actor_id: int | None,
    at: datetime,
    reason_code: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    previous: ChainHead | None = None,
) -> dict[str, Any]:
    """Writes the next event of `claim`'s chain at once (one INSERT, no ORM object; pass
    `previous` when the caller has the chain's head) and returns the row written. The
    claim must already be in the database. Two writers appending the same sequence number
    meet the unique index: the loser gets IntegrityError."""
    if previous is None and from_status is not None:
        previous = chain_head(session, claim.id)
    return write_event(
        session.connection(),
        claim.id,
        claim.rules_version,
        trigger=trigger,
        from_status=from_status,
        to_status=to_status,
        actor_role=actor_role,
        actor_id=actor_id,
        at=at,
        reason_code=reason_code,
        note=note,
        data=data,
        previous=previous,
    )


def write_event(
    connection: Connection,
    claim_id: str,
    rules_version: str,
    *,
    trigger: str,
    from_status: str | None,
    to_status: str,
    actor_role: str,
    actor_id: int | None,
    at: datetime,
    reason_code: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    previous: ChainHead | None = None,
) -> dict[str, Any]:
    """`append_event` given the chain's head (None for a new claim's first event)."""
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "seq": (previous.seq + 1) if previous else 1,
        "trigger": trigger,
        "from_status": from_status,
        "to_status": to_status,
        "actor_role": actor_role,
        "actor_id": actor_id,
        "at": as_utc(at),
        "reason_code": reason_code,
        "note": note,
        "rules_version": rules_version,
        "data": data or {},
    }
    prev_hash = previous.hash if previous else GENESIS_HASH
    row["prev_hash"] = prev_hash
    row["hash"] = hashlib.sha256(prev_hash.encode() + _canonical(row_fields(row))).hexdigest()
    driver_execute(connection, insert_of(cast(Table, ClaimEvent.__table__), row), row)
    return row


def row_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in EVENT_FIELDS}


@dataclass(frozen=True)
class BrokenLink:
    claim_id: str
    seq: int
    event_id: int
    problem: str


def verify_chains(session: Session, batch_size: int = 5_000) -> tuple[int, list[BrokenLink]]:
    """Walks every claim's chain in order; returns the events checked and, per claim, the first
    broken event."""
    checked = 0
    broken: list[BrokenLink] = []
    current_claim: str | None = None
    expected_prev = GENESIS_HASH
    expected_seq = 1
    claim_broken = False
    statement = (
        select(ClaimEvent)
        .order_by(ClaimEvent.claim_id, ClaimEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    for event in session.scalars(statement):
        if event.claim_id != current_claim:
            current_claim, expected_prev, expected_seq, claim_broken = (
                event.claim_id,
                GENESIS_HASH,
                1,
                False,
            )
        checked += 1
        if claim_broken:
            continue
        problem = None
        if event.seq != expected_seq:
            problem = (
                f"sequence {event.seq} where {expected_seq} was expected (an event is missing)"
            )
        elif event.prev_hash != expected_prev:
            problem = "its previous hash does not match the event before it"
        elif chain_hash(event.prev_hash, event) != event.hash:
            problem = "its content does not match its hash (the event was altered)"
        if problem:
            broken.append(BrokenLink(event.claim_id, event.seq, event.id, problem))
            claim_broken = True
        expected_prev, expected_seq = event.hash, event.seq + 1
    return checked, broken
