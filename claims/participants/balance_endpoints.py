"""`GET /api/v1/participant/account`: the signed-in participant's balance, history, claims,
other KPJs and what they can claim today (channels.md, "The balance"). The per-client
default limit of every route applies (claims.http.ratelimit.DefaultRateLimitMiddleware)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from claims.casework.endpoints import PydanticJSONResponse
from claims.http.auth import RuntimeDep, SignedInParticipant
from claims.http.problems import PROBLEM
from claims.participants.balance import participant_account
from claims.participants.balance_schemas import ParticipantAccountView

balance_router = APIRouter(prefix="/api/v1/participant", tags=["participant"])


@balance_router.get(
    "/account",
    response_model=ParticipantAccountView,
    response_class=JSONResponse,
    responses={401: PROBLEM, 403: PROBLEM, 429: PROBLEM},
)
async def account(signed: SignedInParticipant, runtime: RuntimeDep) -> JSONResponse:
    """The JHT account of the KPJ signed in with, today: statement, development, payouts and
    what is available, its history, every claim of the person (newest first), their other
    KPJs (masked) and, for each reason but death, whether and from when they can claim.
    403 `heir_session` for an heir's session."""
    view = await anyio.to_thread.run_sync(participant_account, runtime, signed)
    return PydanticJSONResponse(view.__pydantic_serializer__.to_json(view))
