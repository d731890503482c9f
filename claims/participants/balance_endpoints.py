"""`GET /api/v1/participant/account`: the signed-in participant's balance, history, claims,
other KPJs and what they can claim today (channels.md, "The balance"). The per-client
default limit of every route applies (claims.http.ratelimit.DefaultRateLimitMiddleware)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from claims.errors import Unauthenticated
from claims.http.auth import get_runtime, participant_token
from claims.http.problems import PROBLEM
from claims.participants.access import signed_in_reading
from claims.participants.balance import account_json
from claims.participants.balance_schemas import ParticipantAccountView
from claims.repositories.participant_accounts import signed_in_records

balance_router = APIRouter(prefix="/api/v1/participant", tags=["participant"])


@balance_router.get(
    "/account",
    response_model=ParticipantAccountView,
    response_class=JSONResponse,
    responses={401: PROBLEM, 403: PROBLEM, 429: PROBLEM},
)
async def account(request: Request) -> Response:
    """The JHT account of the KPJ signed in with, today: statement, development, payouts and
    what is available, its history, every claim of the person (newest first), their other
    KPJs (masked) and, for each reason but death, whether and from when they can claim.
    403 `heir_session` for an heir's session."""
    # A hot path, like public tracking: no dependencies to solve (the same 401 as the
    # SignedInParticipant dependency's), the session and the account read together in one
    # snapshot (on SQLite on the event loop, elsewhere in one thread hop), and the document
    # body built as JSON without model validation (the model stays in OpenAPI), kept for
    # the records read until they change (claims.participants.balance.account_json).
    runtime = get_runtime(request)
    signed, records = await signed_in_reading(
        runtime, participant_token(request), signed_in_records
    )
    if signed is None:
        raise Unauthenticated()
    return Response(
        account_json(signed, records, runtime.clock.now()), media_type="application/json"
    )
