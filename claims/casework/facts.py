"""Facts about a claim that the casework and the payouts both read: the claim with its
participant, who the claimant is, the person's earlier claims and payouts, the document
checklist and the benefit estimate. Below both: it imports neither."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

# wib_date is the casework's too: callers take it from here with the other claim facts.
from claims.clock import wib_date as wib_date
from claims.errors import NotFound, refusal
from claims.models import Claim, Participant
from claims.repositories.accounts import account_payouts, statement_of
from claims.repositories.claims import (
    PersonHistory,
    Registrant,
    claim_rules,
    claim_with_context,
    other_kpj_active,
    participant_of_claim,
    person_history,
)
from workflow.account import Account, account_on
from workflow.checklist import Checklist, document_checklist
from workflow.dates import format_date_id
from workflow.eligibility import Eligibility, ParticipantFacts
from workflow.money import EarlierPayments, Estimate, estimate
from workflow.rules import rules_in_force
from workflow.states import EDITABLE_STATUSES, ClaimReason


def get_claim(session: Session, claim_id: str) -> Claim:
    """The claim (with what its next steps read, see `claim_with_context`); NotFound if none."""
    claim = claim_with_context(session, claim_id)
    if claim is None:
        raise NotFound("claim")
    return claim


def claim_participant(session: Session, claim: Claim) -> Participant:
    """The participant whose KPJ the claim is on."""
    return participant_of_claim(session, claim)


def not_eligible(eligibility: Eligibility, status: int = 422) -> Exception:
    """The refusal of an ineligible claim, with the date it becomes eligible if known: 422
    at creation, 409 when an approval finds the registry's facts have changed."""
    extra: dict[str, object] = {"eligibility_code": eligibility.code}
    if eligibility.eligible_from:
        extra["eligible_from"] = eligibility.eligible_from.isoformat()
    return refusal("not_eligible", status, eligibility.message_en, eligibility.message_id, **extra)


def nothing_to_claim(account: Account, status: int = 422) -> Exception:
    """The refusal of a claim on an account with nothing left (422 at creation, 409 at
    approval): its statement and what this engine has paid or is paying from it since."""
    return refusal(
        "nothing_to_claim",
        status,
        f"The JHT account has nothing left to claim: its statement of "
        f"{account.statement_date.isoformat()} has been paid out.",
        f"Saldo JHT tidak tersisa untuk diklaim: saldo per "
        f"{format_date_id(account.statement_date)} sudah dibayarkan.",
        statement_date=account.statement_date.isoformat(),
        paid_out=account.paid_out,
        held=account.held,
    )


def require_editable(claim: Claim, what: str) -> None:
    """Refuses (409) a change of the applicant's data once the claim no longer waits for them."""
    if claim.status not in EDITABLE_STATUSES:
        raise refusal(
            "claim_not_editable",
            409,
            f"The {what} can only be changed while the claim waits for your documents "
            f"(now: {claim.status}).",
            f"Data ini hanya dapat diubah selama klaim menunggu kelengkapan dokumen "
            f"(status sekarang: {claim.status}).",
            current_status=claim.status,
        )


def claimant_name(claim: Claim, participant: Participant) -> str:
    """Who is paid: the participant, or the heir for a death claim."""
    return claim.heir_full_name if claim.heir_full_name else participant.full_name


def claimant_nik(claim: Claim, participant: Participant) -> str:
    """The NIK of who is paid: the participant's, or the heir's for a death claim."""
    return claim.heir_nik if claim.heir_nik else participant.nik


def had_partial_claim(session: Session, nik: str, excluding_claim: str | None = None) -> bool:
    """A partial claim of the same person (any of their KPJs) that is open or was paid."""
    return person_history(session, nik, excluding_claim).had_partial_claim


def earlier_payments(
    session: Session, nik: str, excluding_claim: str | None = None
) -> EarlierPayments:
    """JHT benefit already paid (or being paid) to the same person, which the tax of a new
    payment counts with it."""
    return earlier_payments_of(person_history(session, nik, excluding_claim))


def earlier_payments_of(history: PersonHistory) -> EarlierPayments:
    """The person's earlier JHT payments as the tax rule reads them: the payment day of the
    first (the Jakarta day its payout was made) and the gross of all."""
    first = history.first_paid_at
    return EarlierPayments(None if first is None else wib_date(first), history.gross_paid)


def facts_of(
    participant: Participant | Registrant, had_partial: bool, other_active: bool = False
) -> ParticipantFacts:
    """What the eligibility and benefit rules read of a participant; `other_active`: another
    KPJ of the same NIK is `active` (the stop-work reasons read it)."""
    return ParticipantFacts(
        birth_date=participant.birth_date,
        membership_start=participant.membership_start,
        membership_status="active" if participant.membership_status == "active" else "inactive",
        employment_end_date=participant.employment_end_date,
        balance=participant.balance,
        deceased=participant.deceased,
        had_partial_claim=had_partial,
        other_kpj_active=other_active,
    )


def participant_facts(
    session: Session, participant: Participant, excluding_claim: str | None = None
) -> ParticipantFacts:
    """`facts_of` the participant, with their history read without `excluding_claim`."""
    return facts_of(participant, had_partial_claim(session, participant.nik, excluding_claim))


def eligibility_facts(
    session: Session, participant: Participant, excluding_claim: str | None = None
) -> ParticipantFacts:
    """`participant_facts` with whether another KPJ of the person is active: what a re-check
    of eligibility after creation (submission, approval) reads."""
    return replace(
        participant_facts(session, participant, excluding_claim),
        other_kpj_active=other_kpj_active(session, participant.nik, participant.kpj),
    )


def claim_checklist(session: Session, claim: Claim, participant: Participant) -> Checklist:
    """The documents the claim needs (its own partial claim is not an earlier one)."""
    had_partial = had_partial_claim(session, participant.nik, excluding_claim=claim.id)
    return document_checklist(
        claim_rules(claim), ClaimReason(claim.reason), claim.balance_snapshot, had_partial
    )


def kpj_account(
    session: Session, participant: Participant, on: date, excluding_claim: str | None = None
) -> Account:
    """The participant's KPJ account on `on`: every payout of it counted, or as if those of
    `excluding_claim` had not been made (when its own figures are being worked out)."""
    return account_on(
        statement_of(participant), account_payouts(session, participant.kpj, excluding_claim), on
    )


def claim_estimate(
    session: Session, claim: Claim, participant: Participant, on: datetime
) -> Estimate:
    """The benefit, tax and net of the claim paid on `on`'s day (the approval day, or today
    for an estimate): its share of what the account has then, the tax by the rules in force
    that day, after the person's earlier payments."""
    pay_date = wib_date(on)
    account = kpj_account(session, participant, pay_date, excluding_claim=claim.id)
    facts = replace(
        participant_facts(session, participant, excluding_claim=claim.id),
        balance=account.available,
    )
    earlier = earlier_payments(session, participant.nik, excluding_claim=claim.id)
    return estimate(
        claim_rules(claim),
        ClaimReason(claim.reason),
        facts,
        earlier,
        claim.npwp is not None,
        pay_date,
        tax_rules=rules_in_force(pay_date),
    )
