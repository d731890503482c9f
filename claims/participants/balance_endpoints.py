"""`GET /api/v1/participant/account`: the signed-in participant's balance, history, claims,
other KPJs and what they can claim today (channels.md, "The balance"). The per-client
default limit of every route applies (claims.http.ratelimit.DefaultRateLimitMiddleware)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from claims.http.auth import current_participant, get_runtime
from claims.http.problems import PROBLEM
from claims.participants.balance import account_document
from claims.participants.balance_schemas import ParticipantAccountView

balance_router = APIRouter(prefix="/api/v1/participant", tags=["participant"])


@balance_router.get(
    "/account",
    response_model=ParticipantAccountView,
    response_class=JSONResponse,
    responses={401: PROBLEM, 403: PROBLEM, 429: PROBLEM},
)
async def account(request: Request) -> JSONResponse:
    """The JHT account of the KPJ signed in with, today: statement, development, payouts and
    what is available, its history, every claim of the person (newest first), their other
    KPJs (masked) and, for each reason but death, whether and from when they can claim.
    403 `heir_session` for an heir's session."""
    # A hot path, like public tracking: no dependencies to solve (the SignedInParticipant
    # dependency's function is called as it is, the same 401), on SQLite one snapshot of three
    # compiled statements, shorter than a thread hop (elsewhere one hop), and the document
    # built as JSON without model validation (the model stays in OpenAPI).
    runtime = get_runtime(request)
    signed = await current_participant(request, runtime)
    if runtime.db.is_sqlite:
        document = account_document(runtime, signed)
    else:
        document = await anyio.to_thread.run_sync(account_document, runtime, signed)
    return JSONResponse(document)
