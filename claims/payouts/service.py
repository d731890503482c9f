"""Creating and settling payouts. Approval creates exactly one live payout per claim (a unique
index over live rows) with its outbox row, in the approval's own transaction; a new bank
account after a refusal retires the failed payout and creates a new one under a new reference.
The payout's moves are the table of workflow.payout_lifecycle. Finance settles by hand only a
payout already sent to the bank, and only with a second finance officer
(`settle_manually`: the first call proposes, an identical call by another officer settles)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from claims.casework.facts import claim_participant, get_claim
from claims.errors import NotFound, refusal
from claims.models import Claim, Payout
from claims.notifications_outbox import enqueue_notification
from claims.repositories.accounts import lock_person
from claims.repositories.claims import apply_transition
from claims.repositories.payouts import (
    add_payout,
    apply_payout_trigger,
    close_proposal,
    payout_by_reference,
    payouts_made,
    retire_live_payout,
    retired_payouts,
    save_proposal,
    settlement_proposal,
)
from workflow.identifiers import BankAccount
from workflow.machine import TransitionFacts
from workflow.payout_lifecycle import (
    OPEN_PAYOUT_STATUSES,
    BankAnswer,
    PayoutTrigger,
    SettlementAction,
    SettlementCall,
    SettlementRefusal,
    SettlementStep,
    StandingProposal,
    settlement_step,
)
from workflow.reason_codes import parse_reason_code
from workflow.states import Actor, ActorRole, ClaimStatus, Trigger

PAYOUT = "payout"  # the outbox kind of a payout's transfer
SYSTEM = Actor(ActorRole.system)


def next_payout_reference(session: Session, claim: Claim) -> str:
    """The reference of the claim's next payout: the claim's, numbered (`...-P2`)."""
    return f"{claim.reference}-P{payouts_made(session, claim.id) + 1}"


class Figures(Protocol):
    """What a payout pays: an approval's estimate, or the first payout's for a replacement."""

    @property
    def gross(self) -> int: ...
    @property
    def tax(self) -> int: ...
    @property
    def net(self) -> int: ...


def create_payout(
    session: Session, claim: Claim, reference: str, now: datetime, figures: Figures
) -> Payout:
    """The claim's live payout of `figures` to the claim's account, with the outbox row that
    will send it: the figures worked out on the approval day, or for a replacement those
    fixed at approval (the claim's first payout's)."""
    assert claim.bank_code and claim.account_number and claim.account_holder
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
    # A replacement pays the figures fixed at approval (domain.md, Tax and NPWP).
    return create_payout(session, claim, reference, now, retired_payouts(session, claim.id)[0])


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


def _bank_word(answer: BankAnswer | None, now: datetime) -> dict[str, object]:
    """The payout columns that record what the bank said (nothing when it said nothing)."""
    return {} if answer is None else {"bank_answer": answer, "bank_answer_at": now}


def confirm_payout(
    session: Session,
    payout: Payout,
    actor: Actor,
    bank_reference: str,
    now: datetime,
    *,
    answer: BankAnswer | None = None,
    data: Mapping[str, object] | None = None,
) -> Claim:
    """The bank carried out the transfer: payout `paid`, claim `paid` (confirm_payout).
    `answer`: the bank's own answer, when it gave one; `data`: more for the event."""
    claim = _settle_check(session, payout)
    apply_transition(
        session,
        claim,
        Trigger.confirm_payout,
        actor,
        now,
        data={
            "payout_reference": payout.reference,
            "bank_reference": bank_reference,
            **(data or {}),
        },
    )
    apply_payout_trigger(
        session,
        payout,
        PayoutTrigger.confirm,
        now,
        {"bank_reference": bank_reference, "paid_at": now, **_bank_word(answer, now)},
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
    return claim


def fail_payout(
    session: Session,
    payout: Payout,
    actor: Actor,
    reason: str,
    note: str | None,
    now: datetime,
    *,
    answer: BankAnswer | None = None,
    data: Mapping[str, object] | None = None,
) -> Claim:
    """The bank refused for good: payout `failed`, claim `payout_failed` (fail_payout); the
    applicant is told and may give a new account (a new payout under a new reference).
    `answer`: the bank's own answer, when it gave one; `data`: more for the event."""
    claim = _settle_check(session, payout)
    apply_transition(
        session,
        claim,
        Trigger.fail_payout,
        actor,
        now,
        # A reason the applicant must act on (bank_account_not_own) is explained in the
        # claim's history like an officer's; a bank's own code (account_closed) is not one.
        reason_code=reason if parse_reason_code(reason) else None,
        note=note or reason,
        data={"payout_reference": payout.reference, "reason": reason, **(data or {})},
    )
    apply_payout_trigger(
        session,
        payout,
        PayoutTrigger.fail,
        now,
        {"failure_reason": reason[:200], **_bank_word(answer, now)},
    )
    enqueue_notification(
        session,
        claim,
        "payout_failed",
        now,
        {"reference": payout.reference, "reason": reason, "note": note or ""},
        key=f"payout_failed:{payout.reference}",
    )
    return claim


_SETTLEMENT_REFUSALS: dict[SettlementRefusal, tuple[str, str]] = {
    SettlementRefusal.payout_not_sent: (
        "Payout {ref} has not been sent to the bank yet; only a payout already sent can be "
        "settled by hand.",
        "Pembayaran {ref} belum dikirim ke bank; hanya pembayaran yang sudah dikirim yang "
        "dapat diselesaikan secara manual.",
    ),
    SettlementRefusal.bank_inquiry_needed: (
        "Payout {ref} may still be carried out by the bank: it can be marked failed only "
        "after the bank's inquiry says the transfer was refused or is unknown to it.",
        "Pembayaran {ref} mungkin masih diproses bank: hanya dapat dinyatakan gagal setelah "
        "pengecekan bank menyatakan transfer ditolak atau tidak dikenal.",
    ),
    SettlementRefusal.second_officer_needed: (
        "You proposed this settlement of payout {ref}; another finance officer must confirm it.",
        "Anda sudah mengusulkan penyelesaian pembayaran {ref}; petugas keuangan lain harus "
        "mengonfirmasinya.",
    ),
    SettlementRefusal.settlement_differs: (
        "Payout {ref} has a standing proposal that differs from this call; repeat it exactly "
        "to settle, or wait until it lapses.",
        "Pembayaran {ref} memiliki usulan yang berbeda dari permintaan ini; ulangi usulan yang "
        "sama persis untuk menyelesaikan, atau tunggu hingga usulan kedaluwarsa.",
    ),
}


def settle_manually(
    session: Session,
    payout: Payout,
    actor: Actor,
    action: SettlementAction,
    detail: str,
    note: str | None,
    now: datetime,
) -> tuple[SettlementStep, Claim]:
    """Finance's manual settlement (`detail`: the bank reference of a confirmation, the
    reason code of a failure): the first finance officer's call is recorded as a proposal
    (`propose`), a second officer's identical call settles the payout (`settle`: the claim
    `paid` or `payout_failed`). 409 when the payout is not open, not yet sent, may still be
    carried out by the bank (fail), or the call is the proposer's own or differs from the
    standing proposal. The payout's row is held (find_payout), so two calls do not cross,
    and the person's money is locked, as for an approval (domain.md, "The JHT account")."""
    assert actor.officer_id is not None
    claim = _settle_check(session, payout)
    lock_person(session, claim_participant(session, claim).nik)
    row = settlement_proposal(session, payout)
    standing = None
    if row is not None and row.settled_at is None:
        standing = StandingProposal(
            SettlementCall(SettlementAction(row.action), row.detail, row.proposed_by),
            row.proposed_at,
        )
    call = SettlementCall(action, detail, actor.officer_id)
    step = settlement_step(payout.status, payout.bank_answer, standing, call, now)
    if isinstance(step, SettlementRefusal):
        english, indonesian = _SETTLEMENT_REFUSALS[step]
        raise refusal(
            step.value,
            409,
            english.format(ref=payout.reference),
            indonesian.format(ref=payout.reference),
            payout_status=payout.status,
        )
    if step is SettlementStep.propose:
        save_proposal(session, payout, row, call, note, now)
        return step, claim
    assert row is not None
    close_proposal(session, row, actor.officer_id, now)
    seconded = {"proposed_by": row.proposed_by, "proposed_at": row.proposed_at.isoformat()}
    if action is SettlementAction.confirm:
        confirm_payout(session, payout, actor, detail, now, data=seconded)
    else:
        fail_payout(session, payout, actor, detail, note or row.note, now, data=seconded)
    return step, claim


def find_payout(session: Session, reference: str) -> Payout:
    """The payout under `reference`, its row held for the settling that follows; NotFound
    if none."""
    payout = payout_by_reference(session, reference, lock=True)
    if payout is None:
        raise NotFound("payout")
    return payout
