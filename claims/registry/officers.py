"""Officers: creation with a one-time token, and lookup by token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.models import Branch, Officer
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
    if branch_code is not None and session.get(Branch, branch_code) is None:
        raise OfficerError(f"no branch with code {branch_code}; import branches first")
    token = new_token()
    officer = Officer(
        name=name,
        branch_code=branch_code,
        roles=" ".join(sorted(set(roles))),
        token_hash=hash_token(token),
        active=True,
        created_at=now,
    )
    session.add(officer)
    session.flush()
    return officer, token


def find_officer_by_token(session: Session, token: str) -> Officer | None:
    return session.scalar(
        select(Officer).where(Officer.token_hash == hash_token(token), Officer.active.is_(True))
    )
