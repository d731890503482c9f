"""Creating payouts. Approval creates exactly one live payout per claim (a unique index over
live rows) with its outbox row, in the approval's own transaction; a new bank account after a
refusal retires the failed payout and creates a new one under a new reference."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, Table, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from claims.casework.facts import claim_estimate, claim_participant
from claims.errors import NotFound, refusal
from claims.models import Claim, Participant, Payout
from claims.notifications_outbox import add_outbox_row, enqueue_notification
from claims.repositories._rows import flush_claim, get_row, insert_row, update_row
from claims.repositories.claims import apply_transition, forget_facts_of_others
from workflow.identifiers import BankAccount
from workflow.machine import TransitionFacts
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus, Trigger

PAYOUT = "payout"
SYSTEM = Actor(ActorRole.system)
# Payout.status: pending -> sent (handed to the bank) -> paid | failed; `unknown` when the
# bank's answer did not arrive (a status inquiry with the same reference settles it).
PENDING, SENT, UNKNOWN, PAID, FAILED = "pending", "sent", "unknown", "paid", "failed"
OPEN_PAYOUT_STATUSES = (PENDING, SENT, UNKNOWN)
# Statements built once: a statement object keeps its cache key.
_PAYOUT_COUNT = (
    select(func.count()).select_from(Payout).where(Payout.claim_id == bindparam("claim_id"))
)
_LIVE_PAYOUT = select(Payout).where(Payout.claim_id == bindparam("claim_id"), Payout.live.is_(True))
# The participant's running totals, added to in the database (no read of the row first).
_PARTICIPANTS = cast(Table, Participant.__table__)
_ADD_PAID = (
    update(_PARTICIPANTS)
    .where(_PARTICIPANTS.c.kpj == bindparam("participant_kpj"))
    .values(
        jht_paid_total=func.coalesce(_PARTICIPANTS.c.jht_paid_total, 0) + bindparam("gross"),
        had_partial_claim=case(
            (bindparam("partial", type_=Boolean()), True),
            else_=_PARTICIPANTS.c.had_partial_claim,
        ),
    )
)


def next_payout_reference(session: Session, claim: Claim) -> str:
    session.flush()  # what a query would autoflush
    earlier = session.connection().execute(_PAYOUT_COUNT, {"claim_id": claim.id}).scalar() or 0
    return f"{claim.reference}-P{earlier + 1}"


def live_payout(session: Session, claim_id: str) -> Payout | None:
    return session.scalar(_LIVE_PAYOUT, {"claim_id": claim_id})


def create_payout(session: Session, claim: Claim, reference: str, now: datetime) -> Payout:
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
    insert_row(session, payout)
    forget_facts_of_others(session, claim)  # the person's paid total now counts this payout
    add_outbox_row(
        session,
        claim,
        {
            "kind": PAYOUT,
            "claim_id": claim.id,
            "dedupe_key": f"payout:{reference}",
            "payload": {"reference": reference},
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        },
    )
    flush_claim(session)
    return payout


def replace_failed_payout(session: Session, claim: Claim, now: datetime) -> Payout:
    """After `payout_failed`: the applicant's new account gets a new payout and reference."""
    reference = next_payout_reference(session, claim)
    apply_transition(
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


def masked_account(payout: Payout) -> str:
    """The payout's account as the applicant and officers see it (workflow's masking)."""
    return BankAccount(payout.bank_code, payout.account_number, payout.account_holder).masked()


def payout_by_reference(session: Session, reference: str, *, lock: bool = False) -> Payout | None:
    statement = select(Payout).where(Payout.reference == reference)
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalar(statement)


def _settle_check(session: Session, payout: Payout) -> Claim:
    """The claim of an open, live payout that can still be settled; 409 otherwise."""
    claim = get_row(session, Claim, payout.claim_id)
    assert claim is not None
    if (
        not payout.live
        or payout.status not in OPEN_PAYOUT_STATUSES
        or claim.status != ClaimStatus.approved.value
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
    update_row(
        session, payout, {"status": PAID, "bank_reference": bank_reference, "updated_at": now}
    )
    partial = ClaimReason(claim.reason).is_partial
    participant = session.identity_map.get((Participant, (claim.kpj,), None))
    if isinstance(participant, Participant):
        totals: dict[str, object] = {
            "jht_paid_total": (participant.jht_paid_total or 0) + payout.gross
        }
        if partial:
            totals["had_partial_claim"] = True
        update_row(session, participant, totals)
    else:
        # Not loaded in this unit of work: one UPDATE, without reading the row first.
        session.connection().execute(
            _ADD_PAID, {"participant_kpj": claim.kpj, "gross": payout.gross, "partial": partial}
        )
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
    flush_claim(session)
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
    update_row(
        session, payout, {"status": FAILED, "failure_reason": reason[:200], "updated_at": now}
    )
    enqueue_notification(
        session,
        claim,
        "payout_failed",
        now,
        {"reference": payout.reference, "reason": reason, "note": note or ""},
        key=f"payout_failed:{payout.reference}",
    )
    flush_claim(session)
    return claim


def find_payout(session: Session, reference: str) -> Payout:
    payout = payout_by_reference(session, reference, lock=True)
    if payout is None:
        raise NotFound("payout")
    return payout
