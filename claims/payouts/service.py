"""Creating payouts. Approval creates exactly one live payout per claim (a unique index over
live rows) with its outbox row, in the approval's own transaction; a new bank account after a
refusal retires the failed payout and creates a new one under a new reference."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from claims.casework.transitions import flush_claim, transition
from claims.models import Claim, OutboxMessage, Payout
from workflow.machine import TransitionFacts
from workflow.states import Actor, ActorRole, Trigger

PAYOUT = "payout"


def next_payout_reference(session: Session, claim: Claim) -> str:
    earlier = (
        session.scalar(select(func.count()).select_from(Payout).where(Payout.claim_id == claim.id))
        or 0
    )
    return f"{claim.reference}-P{earlier + 1}"


def live_payout(session: Session, claim_id: str) -> Payout | None:
    return session.scalar(select(Payout).where(Payout.claim_id == claim_id, Payout.live.is_(True)))


def create_payout(session: Session, claim: Claim, reference: str, now: datetime) -> Payout:
    from claims.casework.service import claim_estimate, claim_participant

    assert claim.bank_code and claim.account_number and claim.account_holder
    figures = claim_estimate(session, claim, claim_participant(session, claim), now)
    payout = Payout(
        claim_id=claim.id,
        reference=reference,
        gross=figures.gross,
        tax=figures.tax,
        net=figures.net,
        bank_code=claim.bank_code,
        account_number=claim.account_number,
        account_holder=claim.account_holder,
        status="pending",
        live=True,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(payout)
    session.add(
        OutboxMessage(
            kind=PAYOUT,
            claim_id=claim.id,
            dedupe_key=f"payout:{reference}",
            payload={"reference": reference},
            created_at=now,
            available_at=now,
            attempts=0,
        )
    )
    flush_claim(session)
    return payout


def replace_failed_payout(session: Session, claim: Claim, now: datetime) -> Payout:
    """After `payout_failed`: the applicant's new account gets a new payout and reference."""
    reference = next_payout_reference(session, claim)
    transition(
        session,
        claim,
        Trigger.update_bank_account,
        Actor(ActorRole.applicant),
        now,
        TransitionFacts(bank_account_valid=True),
        data={"payout_reference": reference},
    )
    session.execute(
        update(Payout).where(Payout.claim_id == claim.id, Payout.live.is_(True)).values(live=False)
    )
    claim.last_activity_at = now
    return create_payout(session, claim, reference, now)
