"""Who is calling: applicant claim tokens (bearer header, or the claim cookie of the pages with
the session's CSRF token) and officer tokens, as FastAPI dependencies, plus role and branch
checks.

Tokens are looked up by their SHA-256 in one query on a unique index; an unknown token is 401,
and a real token that does not open the requested claim is 404, like a missing id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from claims.errors import Forbidden, NotFound, Unauthenticated, refusal
from claims.http.csrf import (
    CSRF_HEADER,
    SAFE_METHODS,
    CsrfFailed,
    csrf_tokens,
    page_credentials,
    participant_cookie_token,
)
from claims.participants.access import signed_in_quickly
from claims.repositories.credentials import OfficerIdentity, active_officer_by_token
from claims.repositories.participant_access import SignedIn
from claims.runtime import Runtime
from workflow.roles import ACTING_ROLES, SUPERVISOR, roles_conflict

CSRF_FAILED = "csrf_failed"


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


def applicant_token(request: Request) -> tuple[str, ...]:
    """The tokens that may open a claim: the bearer header (API: a claim token or a
    participant session token) alone when there is one, else the pages' cookies (the claim's,
    the participant session's). A browser sends cookies by itself, also for a page of another
    site; so a request that changes something with a cookie must carry the page's CSRF token
    in `X-CSRF-Token` and no foreign Origin (403 `csrf_failed` otherwise)."""
    token = bearer_token(request)
    if token:
        return (token,)
    cookies = page_credentials(request)
    if cookies and request.method not in SAFE_METHODS:
        require_csrf_header(request)
    return cookies


def require_csrf_header(request: Request) -> None:
    """403 `csrf_failed` unless the request carries its page's CSRF token in `X-CSRF-Token`
    and no foreign Origin."""
    try:
        csrf_tokens(get_runtime(request).settings).verify(request, request.headers.get(CSRF_HEADER))
    except CsrfFailed:
        raise Forbidden(
            "This request came with the page's cookie but without its form token: "
            "reload the page, or call the API with the claim token as a bearer token.",
            "Permintaan ini membawa cookie halaman tanpa token formulirnya: muat ulang "
            "halaman, atau panggil API dengan token klaim sebagai bearer token.",
            code=CSRF_FAILED,
        ) from None


async def _bearer_dependency(request: Request) -> str | None:
    return bearer_token(request)


async def _applicant_token_dependency(request: Request) -> tuple[str, ...]:
    return applicant_token(request)


BearerToken = Annotated[str | None, Depends(_bearer_dependency)]
ApplicantToken = Annotated[tuple[str, ...], Depends(_applicant_token_dependency)]


def participant_token(request: Request) -> str | None:
    """The participant session token: the bearer header (API), else the pages' session
    cookie, which must carry the page's CSRF token on a request that changes something."""
    token = bearer_token(request)
    if token:
        return token
    cookie = participant_cookie_token(request)
    if cookie and request.method not in SAFE_METHODS:
        require_csrf_header(request)
    return cookie


async def current_participant(request: Request, runtime: RuntimeDep) -> SignedIn:
    """Dependency: the signed-in participant (or heir); 401 without a live session.
    `async def`: on SQLite the lookup runs on the event loop (`signed_in_quickly`)."""
    found = await signed_in_quickly(runtime, participant_token(request))
    if found is None:
        raise Unauthenticated()
    return found


SignedInParticipant = Annotated[SignedIn, Depends(current_participant)]


def current_officer(token: BearerToken, runtime: RuntimeDep) -> OfficerIdentity:
    """Dependency: the calling active officer; 401 for none or an unknown token, 422 for an
    officer whose stored roles combine supervisor with an acting role (`officers add`
    refuses that; data from before, or written by hand, is refused here on every route)."""
    officer = active_officer_by_token(runtime.db, token) if token else None
    if officer is None:
        raise Unauthenticated()
    if roles_conflict(officer.role_set):
        acting = ", ".join(sorted(officer.role_set & set(ACTING_ROLES)))
        raise refusal(
            "supervisor_with_acting_role",
            422,
            f"Officer {officer.id} holds the supervisor role together with {acting}; a "
            "supervisor never acts. Ask an administrator to give the acting role to a "
            "separate officer.",
            f"Petugas {officer.id} memegang peran supervisor bersama {acting}; supervisor "
            "tidak pernah bertindak. Minta administrator memberikan peran tersebut kepada "
            "petugas lain.",
        )
    return officer


CurrentOfficer = Annotated[OfficerIdentity, Depends(current_officer)]


def require_role(officer: OfficerIdentity, *roles: str) -> None:
    """403 `role_not_allowed` unless the officer holds at least one of `roles`."""
    if officer.role_set.isdisjoint(roles):
        raise Forbidden(
            f"This action needs one of the roles: {', '.join(roles)}.",
            f"Tindakan ini memerlukan salah satu peran: {', '.join(roles)}.",
            code="role_not_allowed",
        )


def officer_can_see(officer: OfficerIdentity, claim_branch: str) -> bool:
    """Supervisors see every branch; other officers only their own. Only a supervisor
    without an acting role (current_officer refuses any other) passes as a supervisor, so
    the role never carries an action into another branch."""
    if SUPERVISOR in officer.role_set and not roles_conflict(officer.role_set):
        return True
    return officer.branch_code == claim_branch


def officer_can_act(officer: OfficerIdentity, claim_branch: str) -> bool:
    """Actions on a claim or payout: only in the officer's own branch (never as a
    supervisor, who acts nowhere)."""
    return officer.branch_code is not None and officer.branch_code == claim_branch


def ensure_officer_can_see(officer: OfficerIdentity, claim_branch: str) -> None:
    """404 for another branch's claim, the same answer as a missing id."""
    if not officer_can_see(officer, claim_branch):
        raise NotFound("claim")
