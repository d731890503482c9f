"""Finance's manual reconciliation of payouts (api.md, Officer API):
`POST /api/v1/officer/payouts/{reference}/confirm` and `.../fail`. Role finance, branch-scoped
(another branch's payout is 404, like a missing one); 409 when the payout is already settled,
replaced, or its claim is not waiting for it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from claims.casework import schemas, views
from claims.casework.endpoints import PROBLEM, acting_as, claim_json
from claims.casework.facts import get_claim
from claims.errors import NotFound
from claims.http.auth import CurrentOfficer, RuntimeDep, officer_can_see
from claims.models import Claim, Payout
from claims.payouts.service import confirm_payout, fail_payout, find_payout
from claims.repositories.credentials import OfficerIdentity
from workflow.states import ActorRole

payouts_router = APIRouter(prefix="/api/v1/officer/payouts", tags=["officer"])


def _visible_payout(
    session: Session, officer: OfficerIdentity, reference: str
) -> tuple[Payout, Claim]:
    payout = find_payout(session, reference)
    claim = get_claim(session, payout.claim_id)
    if not officer_can_see(officer, claim.branch_code):
        raise NotFound("payout")
    return payout, claim


@payouts_router.post(
    "/{reference}/confirm",
    response_model=schemas.OfficerClaimView,
    responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 412: PROBLEM, 422: PROBLEM},
)
def confirm(
    reference: str, body: schemas.ConfirmPayoutBody, officer: CurrentOfficer, runtime: RuntimeDep
) -> JSONResponse:
    """Finance confirms, from the bank statement, that the transfer was made: claim `paid`."""
    actor = acting_as(officer, ActorRole.finance)
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        payout, claim = _visible_payout(session, officer, reference)
        confirm_payout(session, payout, actor, body.bank_reference, now)
        view = views.officer_view(session, claim, now)
        version = claim.version
    return claim_json(view, version)


@payouts_router.post(
    "/{reference}/fail",
    response_model=schemas.OfficerClaimView,
    responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 412: PROBLEM, 422: PROBLEM},
)
def fail(
    reference: str, body: schemas.FailPayoutBody, officer: CurrentOfficer, runtime: RuntimeDep
) -> JSONResponse:
    """Finance records that the bank refused the transfer: claim `payout_failed`, applicant told."""
    actor = acting_as(officer, ActorRole.finance)
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        payout, claim = _visible_payout(session, officer, reference)
        fail_payout(session, payout, actor, body.reason_code, body.note, now)
        view = views.officer_view(session, claim, now)
        version = claim.version
    return claim_json(view, version)
