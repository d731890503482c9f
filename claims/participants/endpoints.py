"""The participant's sign-in API (channels.md): the identity with a one-time code, for the
participant or for an heir of a death claim, and signing out."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from claims.casework.schemas import StrictBody
from claims.http import problems, ratelimit
from claims.http.auth import RuntimeDep, SignedInParticipant
from claims.http.problems import preferred_language
from claims.http.ratelimit import client_address
from claims.participants.signin import ChallengeSent, SignIn

PROBLEM = problems.PROBLEM

participant_router = APIRouter(prefix="/api/v1/participant", tags=["participant"])


class SignInBody(StrictBody):
    kpj: str = Field(max_length=32, examples=["26000000005"])
    nik: str = Field(max_length=32, examples=["5105054303970005"])
    birth_date: date = Field(examples=["1997-11-16"])


class HeirSignInBody(StrictBody):
    reference: str = Field(min_length=1, max_length=32, examples=["JHT-20261207-AB2CD3"])
    nik: str = Field(max_length=32, description="The heir's own NIK, as given on the claim.")
    birth_date: date = Field(description="The heir's birth date, as given on the claim.")


class CodeBody(StrictBody):
    code: str = Field(min_length=1, max_length=12, examples=["123456"])


class ChallengeView(BaseModel):
    challenge_id: str
    sent_to: list[str] = Field(description="The masked email and phone the code went to.")
    expires_at: datetime


class SessionView(BaseModel):
    access_token: str = Field(description="Bearer token of the session; shown once.")
    expires_at: datetime = Field(
        description="The latest end of the session; it also lapses after 30 minutes idle."
    )
    purpose: str = Field(description="`participant`, or `heir` (one death claim).")
    claim_id: str | None = Field(description="The one claim of an heir's session.")


def _challenge_view(sent: ChallengeSent) -> ChallengeView:
    return ChallengeView(
        challenge_id=sent.challenge_id, sent_to=sent.sent_to, expires_at=sent.expires_at
    )


@participant_router.post(
    "/sign-in",
    status_code=202,
    response_model=ChallengeView,
    responses={422: PROBLEM, 429: PROBLEM},
)
async def start_sign_in(
    body: SignInBody, request: Request, runtime: RuntimeDep, limiter: ratelimit.Limiter
) -> ChallengeView:
    """KPJ, NIK and birth date as the registry holds them; a 6-digit code goes to the
    registry's email and phone. 422 `identity_not_verified` names no field; the attempts
    count in the limits of claim creation."""
    sent = await SignIn(runtime, limiter).start(
        body.kpj, body.nik, body.birth_date, client_address(request), preferred_language(request)
    )
    return _challenge_view(sent)


@participant_router.post(
    "/heir-sign-in",
    status_code=202,
    response_model=ChallengeView,
    responses={422: PROBLEM, 429: PROBLEM},
)
async def start_heir_sign_in(
    body: HeirSignInBody, request: Request, runtime: RuntimeDep, limiter: ratelimit.Limiter
) -> ChallengeView:
    """An heir back into a death claim: its reference, the heir's NIK and birth date; the
    code goes to the claim's email and phone. The session opens that claim only."""
    sent = await SignIn(runtime, limiter).start_heir(
        body.reference,
        body.nik,
        body.birth_date,
        client_address(request),
        preferred_language(request),
    )
    return _challenge_view(sent)


@participant_router.post(
    "/sign-in/{challenge_id}", response_model=SessionView, responses={422: PROBLEM, 429: PROBLEM}
)
def confirm_sign_in(
    challenge_id: str, body: CodeBody, runtime: RuntimeDep, limiter: ratelimit.Limiter
) -> SessionView:
    """The code: a session (bearer token) when it is right, unused and under 10 minutes old;
    422 `code_invalid` otherwise, and the fifth wrong code ends the challenge."""
    opened = SignIn(runtime, limiter).confirm(challenge_id, body.code)
    return SessionView(
        access_token=opened.access_token,
        expires_at=opened.expires_at,
        purpose=opened.purpose,
        claim_id=opened.claim_id,
    )


@participant_router.delete(
    "/session", status_code=204, response_class=Response, responses={401: PROBLEM, 403: PROBLEM}
)
def sign_out(
    signed_in: SignedInParticipant, runtime: RuntimeDep, limiter: ratelimit.Limiter
) -> Response:
    """Ends the session: its token opens nothing any more."""
    SignIn(runtime, limiter).sign_out(signed_in.token_hash)
    return Response(status_code=204)
