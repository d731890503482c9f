"""Officers: creation with a one-time token, deactivation, and a new token in place of the old
one; each change is audited (`officer_events`: what, when, and who ran the command)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claims.models import Officer
from claims.repositories.credentials import (
    add_officer_event,
    deactivate,
    officer_by_id,
    replace_token_hash,
)
from claims.repositories.registry import branch_exists, insert_officer
from claims.security import hash_token, new_token
from workflow.roles import ACTING_ROLES, OFFICER_ROLES, SUPERVISOR, roles_conflict


class OfficerError(ValueError):
    """A refused officer definition or change; the message says what to fix."""


def add_officer(
    session: Session,
    name: str,
    branch_code: str | None,
    roles: list[str],
    now: datetime,
    *,
    by: str = "system",
) -> tuple[Officer, str]:
    """Creates the officer and returns it with its token, which is not stored anywhere."""
    name = name.strip()
    if not name:
        raise OfficerError("--name must not be empty")
    unknown = sorted(set(roles) - set(OFFICER_ROLES))
    if unknown or not roles:
        raise OfficerError(
            f"unknown role {', '.join(unknown) or '(none given)'}; roles: {', '.join(OFFICER_ROLES)}"
        )
    if roles_conflict(set(roles)):
        acting = ", ".join(sorted(set(roles) & set(ACTING_ROLES)))
        raise OfficerError(
            f"a supervisor reads every branch and acts on none, so --role {SUPERVISOR} cannot "
            f"be combined with {acting}; create a separate officer for the acting role"
        )
    if branch_code is None and set(roles) != {SUPERVISOR}:
        raise OfficerError("--branch is required except for supervisors")
    if branch_code is not None and not branch_exists(session, branch_code):
        raise OfficerError(f"no branch with code {branch_code}; import branches first")
    token = new_token()
    officer = insert_officer(
        session,
        name=name,
        branch_code=branch_code,
        roles=sorted(set(roles)),
        token_hash=hash_token(token),
        now=now,
    )
    add_officer_event(
        session, officer, "added", by, now, {"roles": officer.roles, "branch": branch_code}
    )
    return officer, token


def _existing(session: Session, officer_id: int) -> Officer:
    officer = officer_by_id(session, officer_id)
    if officer is None:
        raise OfficerError(f"no officer with id {officer_id}")
    return officer


def deactivate_officer(session: Session, officer_id: int, now: datetime, *, by: str) -> Officer:
    """The officer's token stops working at once (for good: there is no reactivation, a
    returning officer is added anew)."""
    officer = _existing(session, officer_id)
    if not officer.active:
        raise OfficerError(f"officer {officer_id} is already deactivated")
    deactivate(session, officer)
    add_officer_event(session, officer, "deactivated", by, now)
    return officer


def rotate_officer_token(session: Session, officer_id: int, now: datetime, *, by: str) -> str:
    """A new token for the officer, returned once (only its hash is kept); the old token
    stops working at once."""
    officer = _existing(session, officer_id)
    if not officer.active:
        raise OfficerError(f"officer {officer_id} is deactivated; a new token is never issued")
    token = new_token()
    replace_token_hash(session, officer, hash_token(token))
    add_officer_event(session, officer, "token_rotated", by, now)
    return token
