"""The officers' work queue as a read model: keyset pages in SLA order, each page one
indexed query compiled once per shape of filters, its JSON document built straight from the
selected columns (no ORM objects, no model validation: officers read it many times a minute)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    or_,
    select,
    text,
    type_coerce,
)

from claims.db import Database
from claims.errors import FieldProblem
from claims.models import Claim, UtcDateTime
from claims.repositories._stored_times import stored_utc, stored_utc_json
from workflow.states import FINAL_STATUSES, ClaimStatus


class QueueEntry(TypedDict):
    """One claim of a page, as `schemas.QueueItem` serialises it (times as JSON text)."""

    id: str
    reference: str
    status: str
    reason: str
    branch_code: str
    sla_due_at: str | None
    flags: list[str]
    updated_at: str | None


class QueuePage(TypedDict):
    """A page of the queue, as `schemas.QueuePage` serialises it."""

    items: list[QueueEntry]
    next_cursor: str | None


def _encode_cursor(due: datetime | None, claim_id: str) -> str:
    raw = json.dumps([due.isoformat() if due else None, claim_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, claim_id = json.loads(raw)
        return (datetime.fromisoformat(due) if due else None), str(claim_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise FieldProblem(
            [{"field": "cursor", "message": "Not a cursor this API gave out."}]
        ) from None


# The times are read raw (type_coerce changes no SQL): SQLite's text goes straight into the
# JSON instead of being parsed into datetimes and formatted again, 2 per row.
_QUEUE_COLUMNS = (
    Claim.id,
    Claim.reference,
    Claim.status,
    Claim.reason,
    Claim.branch_code,
    type_coerce(Claim.sla_due_at, String).label("sla_due_at"),
    type_coerce(Claim.updated_at, String).label("updated_at"),
    # As JSON text on every database (psycopg would parse it): see _ParsedFlags.
    cast(Claim.flags, Text).label("flags"),
)


class _ParsedFlags(dict[str, list[str]]):
    """The stored flags' JSON text -> the list, parsed on first sight of each text: a claim's
    flags are a sorted set of five names (at most 32 texts), most claims share "[]", and one
    subscript per row is all a page pays. The lists are shared and never changed."""

    def __missing__(self, stored: str) -> list[str]:
        parsed = [str(flag) for flag in json.loads(stored)]
        if len(self) < 64:  # bounded, whatever the column holds
            self[stored] = parsed
        return parsed


_PARSED_FLAGS = _ParsedFlags()


QueueShape = tuple[str, bool, bool, bool, bool]

# The condition of the finished-claim indexes (migration 0004), word for word: SQLite and
# PostgreSQL use a partial index only for a query that states its condition.
FINISHED_CLAIM = text(
    "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(FINAL_STATUSES)))
)


@functools.cache
def _queue_statement(shape: QueueShape) -> Select[Any]:
    """The page query of one shape of filters, with bound parameters: built and compiled once
    per shape, not per request."""
    branch_mode, has_status, has_reason, finished, has_cursor = shape
    statement = select(*_QUEUE_COLUMNS)
    if branch_mode == "one":
        # One branch (the usual page) as an equality: no IN list to expand at each execution.
        statement = statement.where(Claim.branch_code == bindparam("branch"))
    elif branch_mode == "some":
        statement = statement.where(Claim.branch_code.in_(bindparam("branches", expanding=True)))
    if has_status:
        statement = statement.where(Claim.status == bindparam("status"))
    if has_reason:
        statement = statement.where(Claim.reason == bindparam("reason"))
    after_id = bindparam("after_id", type_=String)
    if finished:
        statement = statement.where(FINISHED_CLAIM)
        if has_cursor:
            statement = statement.where(Claim.id > after_id)
        statement = statement.order_by(Claim.id)
    else:
        statement = statement.where(Claim.sla_due_at.is_not(None))
        if has_cursor:
            after_due = bindparam("after_due", type_=UtcDateTime())
            statement = statement.where(
                or_(
                    Claim.sla_due_at > after_due,
                    and_(Claim.sla_due_at == after_due, Claim.id > after_id),
                )
            )
        statement = statement.order_by(Claim.sla_due_at, Claim.id)
    return statement.limit(bindparam("page_limit", type_=Integer))


def _queue_query(
    *,
    branches: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Select[Any], dict[str, Any]]:
    """The page query and its parameters (one more row than `limit`, to know of a next page).
    Open claims have a due date; finished ones (no due date) come only when asked for by
    status, in id order."""
    finished = status is not None and ClaimStatus(status) in FINAL_STATUSES
    parameters: dict[str, Any] = {"page_limit": limit + 1}
    branch_mode = "all"
    if branches is not None:
        if len(branches) == 1:
            branch_mode, parameters["branch"] = "one", branches[0]
        else:
            branch_mode, parameters["branches"] = "some", list(branches)
    if status:
        parameters["status"] = status
    if reason:
        parameters["reason"] = reason
    if cursor:
        after_due, parameters["after_id"] = _decode_cursor(cursor)
        if not finished:
            parameters["after_due"] = after_due
    shape = (branch_mode, bool(status), bool(reason), finished, bool(cursor))
    return _queue_statement(shape), parameters


def queue_page(
    db: Database,
    *,
    branches: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    limit: int,
    cursor: str | None,
) -> QueuePage:
    """One page of the queue, most urgent SLA first, of the given branches (None: all) and
    optional status and reason, after `cursor` (the `next_cursor` of the page before)."""
    statement, parameters = _queue_query(
        branches=branches, status=status, reason=reason, limit=limit, cursor=cursor
    )
    rows = db.quick_rows(statement, parameters)
    more = len(rows) > limit
    rows = rows[:limit]
    items: list[QueueEntry] = [
        {
            "id": claim_id,
            "reference": reference,
            "status": claim_status,
            "reason": claim_reason,
            "branch_code": branch_code,
            "sla_due_at": stored_utc_json(due),
            "flags": _PARSED_FLAGS[flags],
            "updated_at": stored_utc_json(updated),
        }
        for claim_id, reference, claim_status, claim_reason, branch_code, due, updated, flags in rows
    ]
    next_cursor = None
    if more and rows:
        last_due, last_id = rows[-1][5], rows[-1][0]
        next_cursor = _encode_cursor(stored_utc(last_due) if last_due else None, last_id)
    return {"items": items, "next_cursor": next_cursor}
