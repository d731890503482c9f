"""The officers' decisions on a claim: reject, or approve with its one payout. Services flush
and never commit: the request that calls them owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claims.casework.facts import (
    claim_estimate,
    claim_participant,
    eligibility_facts,
    kpj_account,
    not_eligible,
    nothing_to_claim,
    wib_date,
)
from claims.errors import refusal
from claims.models import Claim, Participant, Payout
from claims.notifications_outbox import enqueue_notification
from claims.payouts.service import create_payout, next_payout_reference
from claims.repositories.accounts import lock_person, refresh_participant
from claims.repositories.claims import (
    apply_transition,
    claim_rules,
    flush_changes,
    forget_person_facts,
)
from claims.repositories.events import officers_who_acted
from workflow.eligibility import check_eligibility
from workflow.machine import FOUR_EYES_ROLES, TransitionFacts, fire
from workflow.states import Actor, ClaimReason, ClaimStatus, Trigger


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
    outbox row that will send it. The person's money is locked first, then the registry's
    facts are checked again (alive, still eligible) and the figures are worked out from the
    account on the payment day."""
    participant = claim_participant(session, claim)
    if lock_person(session, participant.nik):
        # What this unit of work read of the person before the lock may be stale by now.
        forget_person_facts(session)
        refresh_participant(session, participant)
    facts = TransitionFacts(reviewer_ids=reviewers_of(session, claim))
    check_still_payable(session, claim, participant, facts, actor, now)
    figures = claim_estimate(session, claim, participant, now)
    if figures.gross == 0:
        account = kpj_account(session, participant, figures.on, excluding_claim=claim.id)
        raise nothing_to_claim(account, 409)
    reference = next_payout_reference(session, claim)
    apply_transition(
        session,
        claim,
        Trigger.approve,
        actor,
        now,
        facts,
        note=note,
        data={"payout_reference": reference, "paid_on": figures.on.isoformat()},
        expected_version=expected_version,
        changes={"approver_id": actor.officer_id},
    )
    payout = create_payout(session, claim, reference, now, figures)
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


def check_still_payable(
    session: Session,
    claim: Claim,
    participant: Participant,
    facts: TransitionFacts,
    actor: Actor,
    now: datetime,
) -> None:
    """Refuses (409) the approval of a claim the registry no longer allows: the participant
    reported deceased (but for a death claim), or the claim no longer eligible by the
    registry's facts on the day it was opened. Only once the machine would allow the
    approval at all (status, role, four-eyes), so its refusal comes first."""
    fire(ClaimStatus(claim.status), Trigger.approve, actor, facts, now, claim_rules(claim))
    reason = ClaimReason(claim.reason)
    if participant.deceased and reason is not ClaimReason.death:
        raise refusal(
            "participant_deceased",
            409,
            "The registry reports the participant deceased: this claim cannot be approved; "
            "it will be withdrawn and the heirs may claim.",
            "Menurut data kepesertaan, peserta telah meninggal dunia: klaim ini tidak dapat "
            "disetujui; klaim akan ditutup dan ahli waris dapat mengajukan klaim.",
        )
    eligibility = check_eligibility(
        claim_rules(claim),
        reason,
        eligibility_facts(session, participant, excluding_claim=claim.id),
        wib_date(claim.created_at),
        claim.employment_end_date,
    )
    if not eligibility.eligible:
        raise not_eligible(eligibility, 409)
