"""Who is calling: applicant claim tokens (bearer header or the `jht_claim` cookie of the
pages) and officer tokens, as FastAPI dependencies, plus role and branch checks.

Tokens are looked up by their SHA-256 in one query on a unique index; an unknown token is 401,
and a real token that does not open the requested claim is 404, like a missing id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from claims.errors import Forbidden, NotFound, Unauthenticated
from claims.models import Claim, Officer
from claims.registry.officers import find_officer_by_token
from claims.runtime import Runtime
from claims.security import hash_token, tokens_equal

APPLICANT_COOKIE = "jht_claim"
SUPERVISOR = "supervisor"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _runtime_dependency(request: Request) -> Runtime:
    # `async def`: FastAPI runs a plain `def` dependency in the thread pool, a hop per request.
    return get_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime_dependency)]


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when absent or another scheme."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def applicant_token(request: Request) -> str | None:
    """The claim token: the bearer header (API) first, else the pages' cookie."""
    return bearer_token(request) or request.cookies.get(APPLICANT_COOKIE) or None


async def _bearer_dependency(request: Request) -> str | None:
    return bearer_token(request)


async def _applicant_token_dependency(request: Request) -> str | None:
    return applicant_token(request)


BearerToken = Annotated[str | None, Depends(_bearer_dependency)]
ApplicantToken = Annotated[str | None, Depends(_applicant_token_dependency)]


def find_applicant_claim(session: Session, token: str | None, claim_id: str) -> Claim:
    """The claim this token opens, if it is `claim_id`. For services that load the claim
    inside their own unit of work."""
    if not token:
        raise Unauthenticated()
    claim = session.scalar(select(Claim).where(Claim.access_token_hash == hash_token(token)))
    if claim is None:
        raise Unauthenticated()
    if not tokens_equal(claim.id, claim_id):
        raise NotFound("claim")
    return claim


def require_applicant_claim(claim_id: str, token: ApplicantToken, runtime: RuntimeDep) -> Claim:
    """Dependency: the applicant's claim `claim_id` as a detached row (read, not locked)."""
    with runtime.db.read_only() as session:
        claim = find_applicant_claim(session, token, claim_id)
        # Detach before the read-only session rolls back, so the attributes stay loaded.
        session.expunge(claim)
    return claim


ApplicantClaim = Annotated[Claim, Depends(require_applicant_claim)]


def find_officer(session: Session, token: str | None) -> Officer:
    """The active officer holding this token; 401 for none or an unknown one (an applicant's
    claim token included)."""
    if not token:
        raise Unauthenticated()
    officer = find_officer_by_token(session, token)
    if officer is None:
        raise Unauthenticated()
    return officer


# The officer lookup of every officer request: one Core query on the unique token index.
_OFFICER_BY_TOKEN = select(*Officer.__table__.columns).where(
    Officer.token_hash == bindparam("token_hash"), Officer.active.is_(True)
)
_OFFICER_FIELDS = tuple(str(column.key) for column in _OFFICER_BY_TOKEN.selected_columns)


def current_officer(token: BearerToken, runtime: RuntimeDep) -> Officer:
    """Dependency: the calling active officer, as an Officer built from the row without a
    session (attribute reads only); 401 for none or an unknown token."""
    if not token:
        raise Unauthenticated()
    rows = runtime.db.quick_rows(_OFFICER_BY_TOKEN, {"token_hash": hash_token(token)})
    if not rows:
        raise Unauthenticated()
    values = dict(zip(_OFFICER_FIELDS, rows[0], strict=True))
    if isinstance(values["created_at"], str):  # SQLite's raw values: UTC text, 0/1
        values["created_at"] = datetime.fromisoformat(values["created_at"]).replace(tzinfo=UTC)
        values["active"] = bool(values["active"])
    return Officer(**values)


CurrentOfficer = Annotated[Officer, Depends(current_officer)]


def require_role(officer: Officer, *roles: str) -> None:
    """403 `role_not_allowed` unless the officer holds at least one of `roles`."""
    if officer.role_set.isdisjoint(roles):
        raise Forbidden(
            f"This action needs one of the roles: {', '.join(roles)}.",
            f"Tindakan ini memerlukan salah satu peran: {', '.join(roles)}.",
            code="role_not_allowed",
        )


def officer_with_role(*roles: str) -> Any:
    """A dependency: the calling officer, who must hold one of `roles`.

    Usage: `officer: Annotated[Officer, officer_with_role("verifier")]`.
    """

    def dependency(officer: CurrentOfficer) -> Officer:
        require_role(officer, *roles)
        return officer

    return Depends(dependency)


def officer_can_see(officer: Officer, claim_branch: str) -> bool:
    """Supervisors see every branch; other officers only their own."""
    return SUPERVISOR in officer.role_set or officer.branch_code == claim_branch


def ensure_officer_can_see(officer: Officer, claim_branch: str) -> None:
    """404 for another branch's claim, the same answer as a missing id."""
    if not officer_can_see(officer, claim_branch):
        raise NotFound("claim")
