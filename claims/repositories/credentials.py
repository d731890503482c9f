"""Who a bearer token names, looked up by its SHA-256 on a unique index: the claim an
applicant's claim token opens, and the active officer an officer token belongs to. Also the
officer's own credentials: deactivation, a new token hash, and the officers' audit rows.

There is deliberately no cache of officer identities: every request reads the officer row,
so a deactivated officer or a rotated token is refused on the very next request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from claims.db import Database
from claims.errors import NotFound, Unauthenticated
from claims.models import Claim, Officer, OfficerEvent
from claims.repositories.participant_access import claim_opened_by, live_session
from claims.security import hash_token, tokens_equal


@dataclass(frozen=True, slots=True)
class OfficerIdentity:
    """The calling officer, as the request handlers need it."""

    id: int
    name: str
    branch_code: str | None  # None for a supervisor of every branch
    role_set: frozenset[str]


# Run on every officer request: compiled once, and only columns SQLite returns as they are
# (no stored text to parse).
_OFFICER_BY_TOKEN = select(Officer.id, Officer.name, Officer.branch_code, Officer.roles).where(
    Officer.token_hash == bindparam("token_hash"), Officer.active.is_(True)
)


def active_officer_by_token(db: Database, token: str) -> OfficerIdentity | None:
    """The active officer holding `token`, or None (an unknown token, a deactivated
    officer, or an applicant's claim token)."""
    rows = db.quick_rows(_OFFICER_BY_TOKEN, {"token_hash": hash_token(token)})
    if not rows:
        return None
    officer_id, name, branch_code, roles = rows[0]
    return OfficerIdentity(officer_id, name, branch_code, frozenset(roles.split()))


def officer_by_id(session: Session, officer_id: int) -> Officer | None:
    """The officer row, held until the transaction ends on PostgreSQL (SQLite has one writer
    at a time), so two commands on one officer do not cross."""
    statement = select(Officer).where(Officer.id == officer_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalar(statement)


def deactivate(session: Session, officer: Officer) -> None:
    officer.active = False
    session.flush()


def replace_token_hash(session: Session, officer: Officer, token_hash: str) -> None:
    officer.token_hash = token_hash
    session.flush()


def add_officer_event(
    session: Session,
    officer: Officer,
    action: str,
    by: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(OfficerEvent(officer_id=officer.id, action=action, by=by, at=now, data=data or {}))
    session.flush()


def find_applicant_claim(
    session: Session, tokens: Sequence[str], claim_id: str, now: datetime
) -> Claim:
    """The claim `claim_id` if one of `tokens` opens it: its own claim token, or a live
    participant session (claims.repositories.participant_access) that may open it.
    Unauthenticated when no token is given or none is known; NotFound (like a missing id)
    when a known token opens other claims only."""
    known = False
    for token in tokens:
        token_hash = hash_token(token)
        claim = session.scalar(select(Claim).where(Claim.access_token_hash == token_hash))
        if claim is not None:
            known = True
            if tokens_equal(claim.id, claim_id):
                return claim
            continue
        signed_in = live_session(session, token_hash, now)
        if signed_in is not None:
            known = True
            opened = claim_opened_by(session, signed_in, claim_id)
            if opened is not None:
                return opened
    if not known:
        raise Unauthenticated()
    raise NotFound("claim")
