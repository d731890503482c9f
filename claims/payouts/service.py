"""Creating and settling payouts. Approval creates exactly one live payout per claim (a unique
index over live rows) with its outbox row, in the approval's own transaction; a new bank
account after a refusal retires the failed payout and creates a new one under a new reference.
The payout's moves are the table of workflow.payout_lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from claims.casework.facts import claim_estimate, claim_participant, get_claim
from claims.errors import NotFound, refusal
from claims.models import Claim, Payout
from claims.notifications_outbox import enqueue_notification
from claims.repositories.claims import apply_transition
from claims.repositories.payouts import (
    add_payout,
    add_to_paid_total,
    apply_payout_trigger,
    payout_by_reference,
    payouts_made,
    retire_live_payout,
)
from workflow.identifiers import BankAccount
from workflow.machine import TransitionFacts
from workflow.payout_lifecycle import OPEN_PAYOUT_STATUSES, PayoutTrigger
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus, Trigger

PAYOUT = "payout"  # the outbox kind of a payout's transfer
SYSTEM = Actor(ActorRole.system)


def next_payout_reference(session: Session, claim: Claim) -> str:
    """The reference of the claim's next payout: the claim's, numbered (`...-P2`)."""
    return f"{claim.reference}-P{payouts_made(session, claim.id) + 1}"


def create_payout(session: Session, claim: Claim, reference: str, now: datetime) -> Payout:
    """The claim's live payout of the benefit as of `now`, to the claim's account, with the
    outbox row that will send it."""
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
        live=True,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    outbox_row = {
        "kind": PAYOUT,
        "claim_id": claim.id,
        "dedupe_key": f"payout:{reference}",
        "payload": {"reference": reference},
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
    add_payout(session, claim, payout, outbox_row)
    return payout


def replace_failed_payout(
    session: Session, claim: Claim, account_fields: Mapping[str, str], now: datetime
) -> Payout:
    """After `payout_failed`: the applicant's new account (`account_fields`: the claim's bank
    columns) gets a new payout and reference. The account is written with the transition's
    status and version, so the claim is written once."""
    reference = next_payout_reference(session, claim)
    apply_transition(
        session,
        claim,
        Trigger.update_bank_account,
        Actor(ActorRole.applicant),
        now,
        TransitionFacts(bank_account_valid=True),
        data={"payout_reference": reference},
        changes={**account_fields, "last_activity_at": now},
    )
    retire_live_payout(session, claim.id)
    return create_payout(session, claim, reference, now)


def masked_account(payout: Payout) -> str:
    """The payout's account as the applicant and officers see it (workflow's masking)."""
    return BankAccount(payout.bank_code, payout.account_number, payout.account_holder).masked()


def _settle_check(session: Session, payout: Payout) -> Claim:
    """The claim of an open, live payout that can still be settled; 409 otherwise."""
    claim = get_claim(session, payout.claim_id)
    if (
        not payout.live
        or payout.status not in OPEN_PAYOUT_STATUSES
        or claim.status != ClaimStatus.approved
    ):
        raise refusal(
            "payout_not_open",
            409,
            f"Payout {payout.reference} is {payout.status}; it can no longer be settled.",
            f"Pembayaran {payout.reference} berstatus {payout.status}; tidak dapat diselesaikan.",
            payout_status=payout.status,
        )
    return claim


def confirm_payout(
    session: Session, payout: Payout, actor: Actor, bank_reference: str, now: datetime
) -> Claim:
    """The bank carried out the transfer: payout `paid`, claim `paid` (confirm_payout)."""
    claim = _settle_check(session, payout)
    apply_transition(
        session,
        claim,
        Trigger.confirm_payout,
        actor,
        now,
        data={"payout_reference": payout.reference, "bank_reference": bank_reference},
    )
    apply_payout_trigger(
        session, payout, PayoutTrigger.confirm, now, {"bank_reference": bank_reference}
    )
    add_to_paid_total(session, claim.kpj, payout.gross, ClaimReason(claim.reason).is_partial)
    enqueue_notification(
        session,
        claim,
        "paid",
        now,
        {
            "reference": payout.reference,
            "net": payout.net,
            "bank_code": payout.bank_code,
            "account_number_masked": masked_account(payout),
        },
        key=f"paid:{payout.reference}",
    )
    return claim


def fail_payout(
    session: Session,
    payout: Payout,
    actor: Actor,
    reason: str,
    note: str | None,
    now: datetime,
) -> Claim:
    """The bank refused for good: payout `failed`, claim `payout_failed` (fail_payout); the
    applicant is told and may give a new account (a new payout under a new reference)."""
    claim = _settle_check(session, payout)
    apply_transition(
        session,
        claim,
        Trigger.fail_payout,
        actor,
        now,
        note=note or reason,
        data={"payout_reference": payout.reference, "reason": reason},
    )
    apply_payout_trigger(session, payout, PayoutTrigger.fail, now, {"failure_reason": reason[:200]})
    enqueue_notification(
        session,
        claim,
        "payout_failed",
        now,
        {"reference": payout.reference, "reason": reason, "note": note or ""},
        key=f"payout_failed:{payout.reference}",
    )
    return claim


def find_payout(session: Session, reference: str) -> Payout:
    """The payout under `reference`, its row held for the settling that follows; NotFound
    if none."""
    payout = payout_by_reference(session, reference, lock=True)
    if payout is None:
        raise NotFound("payout")
    return payout
