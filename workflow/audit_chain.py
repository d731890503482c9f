"""The audit trail's hash chain (workflow.md, Audit trail): each event carries
SHA-256(previous hash + canonical event), so an altered, removed or inserted event breaks
the chain. No raw NIK, bank account or document content goes into an event."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple


class ChainHead(NamedTuple):
    """What the next event of a claim's chain needs from the last one."""

    seq: int
    hash: str
    at: datetime


def _as_utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    body["at"] = _as_utc(body["at"]).isoformat(timespec="microseconds")
    body["data"] = body["data"] or {}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_event(event: Any) -> bytes:
    """A stable byte form of everything the event says, independent of the database."""
    return _canonical({name: getattr(event, name) for name in EVENT_FIELDS})


def chain_hash(prev_hash: str, event: Any) -> str:
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
        "at": _as_utc(at),
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
