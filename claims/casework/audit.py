"""The audit trail: append-only events chained by hash, hash = SHA-256(previous hash +
canonical event). No raw NIK, bank account or document content goes into an event."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from claims.clock import as_utc
from claims.models import ClaimEvent
from claims.repositories.events import ChainHead, events_in_chain_order

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
    """The hash an event must carry after an event whose hash is `prev_hash`."""
    return hashlib.sha256(prev_hash.encode() + canonical_event(event)).hexdigest()


def chained_event(
    claim_id: str,
    rules_version: str,
    previous: ChainHead | None,
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
) -> dict[str, Any]:
    """The row of the event that follows `previous` in the claim's chain (None for a new
    claim's first event): its sequence number, the previous hash and its own hash."""
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
    row["hash"] = hashlib.sha256(prev_hash.encode() + _canonical(_hashed_fields(row))).hexdigest()
    return row


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of an event row that its hash covers."""
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
    for event in events_in_chain_order(session, batch_size):
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
