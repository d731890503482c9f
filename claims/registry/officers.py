"""Officers: creation with a one-time token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claims.models import Officer
from claims.repositories.registry import branch_exists, insert_officer
from claims.security import hash_token, new_token

OFFICER_ROLES = ("verifier", "interviewer", "approver", "finance", "supervisor")


class OfficerError(ValueError):
    """A refused officer definition; the message says what to fix."""


def add_officer(
    session: Session, name: str, branch_code: str | None, roles: list[str], now: datetime
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
    if branch_code is None and set(roles) != {"supervisor"}:
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
    return officer, token
