"""The payouts repository: payout rows (the claim's live payout, how many it has had, the one
way a payout's status changes, the bank's last word on it and the alert when the bank did
a transfer we marked failed), finance's settlement proposals, and the sandbox bank's own ledger (`sim_bank_transfers`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from claims.db import Database
from claims.models import (
    Claim,
    Payout,
    PayoutSettlementProposal,
    SimulatedBankTransfer,
)
from claims.repositories._rows import flush_claim, insert_row, update_row
from claims.repositories.claims import forget_facts_of_others
from claims.repositories.events import chain_head, insert_event
from claims.repositories.outbox import add_outbox_row
from workflow.audit_chain import chained_event
from workflow.payout_lifecycle import (
    PAYOUT_ALERT,
    PAYOUT_LIFECYCLE,
    BankAnswer,
    PayoutStatus,
    PayoutTrigger,
    SettlementCall,
)

# Statements built once: a statement object keeps its cache key.
_PAYOUT_COUNT = (
    select(func.count()).select_from(Payout).where(Payout.claim_id == bindparam("claim_id"))
)
# --- payouts -------------------------------------------------------------------------------


def payouts_made(session: Session, claim_id: str) -> int:
    """How many payouts the claim has had, replaced ones included."""
    session.flush()  # what a query would autoflush
    return session.connection().execute(_PAYOUT_COUNT, {"claim_id": claim_id}).scalar() or 0


def payout_by_reference(session: Session, reference: str, *, lock: bool = False) -> Payout | None:
    """The payout under `reference`, or None; `lock` holds its row until the transaction
    ends on PostgreSQL (SQLite has one writer at a time)."""
    statement = select(Payout).where(Payout.reference == reference)
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalar(statement)


def add_payout(session: Session, claim: Claim, payout: Payout, outbox_row: dict[str, Any]) -> None:
    """Writes a new payout of `claim`, in its lifecycle's first status, and the outbox row that
    will send it, at once (a second live payout of the claim is refused here by the unique
    index)."""
    payout.status = PAYOUT_LIFECYCLE.initial
    insert_row(session, payout)
    forget_facts_of_others(session, claim)  # the person's paid total now counts this payout
    add_outbox_row(session, claim, outbox_row)
    flush_claim(session)


def retire_live_payout(session: Session, claim_id: str) -> None:
    """The claim's live payout stops being live (kept for the record), so a new one may be
    made."""
    session.execute(
        update(Payout).where(Payout.claim_id == claim_id, Payout.live.is_(True)).values(live=False)
    )


def apply_payout_trigger(
    session: Session,
    payout: Payout,
    trigger: PayoutTrigger,
    now: datetime,
    changes: dict[str, Any] | None = None,
) -> PayoutStatus:
    """The one way a payout's status changes: fires `trigger` on the payout's lifecycle table
    (LifecycleRefused, nothing written, when its status does not allow it), then writes the
    new status, `updated_at` and `changes` with one UPDATE. Answers the new status."""
    status = PAYOUT_LIFECYCLE.fire(payout.status, trigger)
    update_row(session, payout, {"status": status, "updated_at": now, **(changes or {})})
    return status


def record_bank_answer(
    session: Session, payout: Payout, answer: BankAnswer | None, now: datetime
) -> None:
    """The bank's last final word on the payout's reference (None: it is being sent again,
    so what the bank said before no longer holds)."""
    update_row(session, payout, {"bank_answer": answer, "bank_answer_at": now})


def retired_payouts(session: Session, claim_id: str) -> list[Payout]:
    """The claim's earlier payouts (no longer live: failed and replaced), oldest first."""
    statement = (
        select(Payout)
        .where(Payout.claim_id == claim_id, Payout.live.is_(False))
        .order_by(Payout.id)
    )
    return list(session.scalars(statement))


def raise_payout_alert(
    session: Session, claim: Claim, payout: Payout, bank_reference: str | None, now: datetime
) -> None:
    """The bank carried out a transfer this engine marked failed: the payout records the
    answer and the alert's time, and the claim's audit trail gets a `payout_alert` event
    (its status unchanged; a second writer appending the same sequence number meets the
    unique index and this unit of work is retried)."""
    update_row(
        session,
        payout,
        {"bank_answer": BankAnswer.done, "bank_answer_at": now, "alerted_at": now},
    )
    event = chained_event(
        claim.id,
        claim.rules_version,
        chain_head(session, claim.id),
        trigger=PAYOUT_ALERT,
        from_status=claim.status.value,
        to_status=claim.status.value,
        actor_role="system",
        actor_id=None,
        at=now,
        reason_code="bank_done_after_failure",
        note=f"The bank reports payout {payout.reference} done although it was marked failed.",
        data={"payout_reference": payout.reference, "bank_reference": bank_reference},
    )
    insert_event(session, event)


def payout_alerts(db: Database) -> int:
    """How many payouts marked failed the bank reported done (each one an alert)."""
    with db.read_only() as session:
        return session.scalar(select(func.count()).where(Payout.alerted_at.is_not(None))) or 0


# --- finance's settlement proposals --------------------------------------------------------


def settlement_proposal(session: Session, payout: Payout) -> PayoutSettlementProposal | None:
    """The payout's standing (or settled) proposal, or None."""
    return session.scalar(
        select(PayoutSettlementProposal).where(PayoutSettlementProposal.payout_id == payout.id)
    )


def save_proposal(
    session: Session,
    payout: Payout,
    existing: PayoutSettlementProposal | None,
    call: SettlementCall,
    note: str | None,
    now: datetime,
) -> PayoutSettlementProposal:
    """Records `call` as the payout's standing proposal (replacing a lapsed one)."""
    values = {
        "action": call.action,
        "detail": call.detail,
        "note": note,
        "proposed_by": call.officer_id,
        "proposed_at": now,
        "settled_by": None,
        "settled_at": None,
    }
    if existing is not None:
        update_row(session, existing, values)
        return existing
    proposal = PayoutSettlementProposal(payout_id=payout.id, **values)
    insert_row(session, proposal)
    return proposal


def close_proposal(
    session: Session, proposal: PayoutSettlementProposal, officer_id: int, now: datetime
) -> None:
    """The second officer settled the payout as proposed."""
    update_row(session, proposal, {"settled_by": officer_id, "settled_at": now})


# --- the sandbox bank's ledger -------------------------------------------------------------

_BANK_TRANSFER = select(SimulatedBankTransfer).where(
    SimulatedBankTransfer.reference == bindparam("reference")
)
_REFERENCE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:r))")


def bank_transfer(session: Session, reference: str) -> SimulatedBankTransfer | None:
    """The sandbox bank's record of the transfer under `reference`, or None."""
    return session.scalar(_BANK_TRANSFER, {"reference": reference})


def locked_bank_transfer(session: Session, reference: str) -> SimulatedBankTransfer | None:
    """`bank_transfer`, with `reference` held until the transaction ends: one request per
    reference at a time, like a bank's idempotency-key lock. SQLite's writers are
    serialised already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(_REFERENCE_LOCK, {"r": reference})
    return bank_transfer(session, reference)


def add_bank_transfer(session: Session, transfer: SimulatedBankTransfer) -> None:
    """Records a transfer the sandbox bank carried out or refused (written at commit)."""
    session.add(transfer)


def count_bank_request(transfer: SimulatedBankTransfer) -> None:
    """One more request under a reference the bank already knows: nothing new is done."""
    transfer.requests += 1
