"""Finance's manual reconciliation of payouts (api.md, Officer API):
`POST /api/v1/officer/payouts/{reference}/confirm` and `.../fail`. Role finance, branch-scoped
(another branch's payout is 404, like a missing one). Only a payout already sent to the bank
is settled by hand, by two finance officers: the first call answers 202 with the proposal,
a second officer's identical call settles it and answers 200 with the claim; 409 when the
payout is not sent yet or already settled, replaced, its claim is not waiting for it, the call
is the proposer's own or differs from the standing proposal, or (fail) the bank's inquiry has
not said the transfer is refused or unknown to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from claims.casework import schemas, views
from claims.casework.endpoints import PROBLEM, acting_as, claim_json
from claims.casework.facts import get_claim
from claims.errors import NotFound
from claims.http.auth import CurrentOfficer, RuntimeDep, officer_can_act
from claims.models import Claim, Payout
from claims.payouts.service import find_payout, settle_manually
from claims.repositories.credentials import OfficerIdentity
from claims.runtime import Runtime
from workflow.payout_lifecycle import SettlementAction, SettlementStep
from workflow.states import ActorRole

payouts_router = APIRouter(prefix="/api/v1/officer/payouts", tags=["officer"])


class SettlementProposalView(BaseModel):
    """A manual settlement waiting for a second finance officer's identical call."""

    payout_reference: str
    status: Literal["proposed"] = "proposed"
    action: SettlementAction
    bank_reference: str | None = None
    reason_code: str | None = None
    proposed_by: str  # "finance:<officer id>"
    proposed_at: datetime


SETTLEMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": SettlementProposalView,
        "description": "Proposed: a second finance officer's identical call settles it.",
    },
    **{status: PROBLEM for status in (401, 403, 404, 409, 412, 422)},
}


def _visible_payout(
    session: Session, officer: OfficerIdentity, reference: str
) -> tuple[Payout, Claim]:
    """The payout to settle: finance of the claim's own branch only (another branch's payout
    is 404, like a missing reference)."""
    payout = find_payout(session, reference)
    claim = get_claim(session, payout.claim_id)
    if not officer_can_act(officer, claim.branch_code):
        raise NotFound("payout")
    return payout, claim


def _settle(
    runtime: Runtime,
    officer: OfficerIdentity,
    reference: str,
    action: SettlementAction,
    detail: str,
    note: str | None,
) -> JSONResponse:
    actor = acting_as(officer, ActorRole.finance)
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        payout, claim = _visible_payout(session, officer, reference)
        step, claim = settle_manually(session, payout, actor, action, detail, note, now)
        if step is SettlementStep.propose:
            proposal = SettlementProposalView(
                payout_reference=payout.reference,
                action=action,
                bank_reference=detail if action is SettlementAction.confirm else None,
                reason_code=detail if action is SettlementAction.fail else None,
                proposed_by=f"{ActorRole.finance.value}:{officer.id}",
                proposed_at=now,
            )
            return JSONResponse(proposal.model_dump(mode="json"), status_code=202)
        view = views.officer_view(session, claim, now)
        version = claim.version
    return claim_json(view, version)


@payouts_router.post(
    "/{reference}/confirm",
    response_model=schemas.OfficerClaimView,
    responses=SETTLEMENT_RESPONSES,
)
def confirm(
    reference: str, body: schemas.ConfirmPayoutBody, officer: CurrentOfficer, runtime: RuntimeDep
) -> JSONResponse:
    """Finance confirms, from the bank statement, that a payout sent to the bank was made:
    the first officer proposes (202), a second officer's identical call makes the claim
    `paid` (200)."""
    return _settle(runtime, officer, reference, SettlementAction.confirm, body.bank_reference, None)


@payouts_router.post(
    "/{reference}/fail",
    response_model=schemas.OfficerClaimView,
    responses=SETTLEMENT_RESPONSES,
)
def fail(
    reference: str, body: schemas.FailPayoutBody, officer: CurrentOfficer, runtime: RuntimeDep
) -> JSONResponse:
    """Finance records that the bank refused the transfer or has none under its reference
    (its inquiry said so): the first officer proposes (202), a second officer's identical
    call (same reason code) makes the claim `payout_failed` and tells the applicant (200)."""
    return _settle(runtime, officer, reference, SettlementAction.fail, body.reason_code, body.note)
