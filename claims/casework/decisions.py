"""The officers' decisions on a claim: reject, or approve with its one payout. Services flush
and never commit: the request that calls them owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claims.models import Claim, Payout
from claims.notifications_outbox import enqueue_notification
from claims.payouts.service import create_payout, next_payout_reference
from claims.repositories.claims import apply_transition, flush_changes
from claims.repositories.events import officers_who_acted
from workflow.machine import FOUR_EYES_ROLES, TransitionFacts
from workflow.states import Actor, Trigger


def reject(
    session: Session,
    claim: Claim,
    actor: Actor,
    reason_code: str,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Claim:
    """Rejects the claim with a reason code and tells the applicant."""
    apply_transition(
        session,
        claim,
        Trigger.reject,
        actor,
        now,
        TransitionFacts(reason_code=reason_code, note=note),
        reason_code=reason_code,
        note=note,
        expected_version=expected_version,
        changes={"reason_code": reason_code},
    )
    enqueue_notification(
        session, claim, "rejected", now, {"reason_code": reason_code, "note": note or ""}
    )
    flush_changes(session)
    return claim


def reviewers_of(session: Session, claim: Claim) -> frozenset[int]:
    """Every officer who reviewed or interviewed the claim, over its whole history: those its
    events name in a four-eyes role, and the last verifier and interviewer its row keeps."""
    acted = officers_who_acted(session, claim.id, [role.value for role in FOUR_EYES_ROLES])
    kept = (claim.verifier_id, claim.interviewer_id)
    return acted | {officer_id for officer_id in kept if officer_id is not None}


def approve(
    session: Session,
    claim: Claim,
    actor: Actor,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Payout:
    """Approves the claim and, in the same transaction, creates its one payout and the
    outbox row that will send it."""
    reference = next_payout_reference(session, claim)
    facts = TransitionFacts(reviewer_ids=reviewers_of(session, claim))
    apply_transition(
        session,
        claim,
        Trigger.approve,
        actor,
        now,
        facts,
        note=note,
        data={"payout_reference": reference},
        expected_version=expected_version,
        changes={"approver_id": actor.officer_id},
    )
    payout = create_payout(session, claim, reference, now)
    enqueue_notification(
        session,
        claim,
        "approved",
        now,
        {
            "gross": payout.gross,
            "tax": payout.tax,
            "net": payout.net,
            "reference": payout.reference,
        },
    )
    flush_changes(session)
    return payout
