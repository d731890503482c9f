"""What the applicant changes on their claim: the bank account and NPWP while the claim waits
for documents (the account also after a failed payout), submission and cancellation.
Services flush and never commit: the request or job that calls them owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from claims.casework.facts import (
    claim_checklist,
    claim_participant,
    claimant_name,
    claimant_nik,
    eligibility_facts,
    require_editable,
    wib_date,
)
from claims.casework.flags import bank_account_of, refresh_flags_after_account_change
from claims.errors import FieldProblem
from claims.models import Claim, Participant
from claims.notifications_outbox import enqueue_notification
from claims.payouts.service import replace_failed_payout
from claims.repositories.bookings import cancel_held_bookings
from claims.repositories.claims import (
    apply_transition,
    claim_rules,
    flush_changes,
    update_claim_details,
)
from claims.repositories.documents import document_statuses_of_claim
from workflow.checklist import missing_items
from workflow.document_lifecycle import present_doc_types
from workflow.eligibility import check_eligibility
from workflow.identifiers import BankAccount, Nik, Npwp
from workflow.machine import TransitionFacts
from workflow.reason_codes import ReasonCode
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus, Trigger

APPLICANT = Actor(ActorRole.applicant)


def checked_bank_account(
    claim: Claim, participant: Participant, bank_code: str, number: str, holder: str
) -> BankAccount:
    """The account, well-formed and in the claimant's own name; 422 otherwise."""
    account = BankAccount.parse(bank_code, number, holder)
    if not account.holder_matches(claimant_name(claim, participant)):
        raise FieldProblem(
            [
                {
                    "field": "account_holder",
                    "message": "The account must be in the claimant's own name.",
                }
            ],
            "Payouts go only to an account in the claimant's own name.",
            "Pembayaran hanya ke rekening atas nama penerima manfaat sendiri.",
            code=ReasonCode.bank_account_not_own.value,
        )
    return account


def set_bank_account(
    session: Session, claim: Claim, bank_code: str, number: str, holder: str, now: datetime
) -> Claim:
    """The account the benefit is paid to; after a failed payout, a new payout to it."""
    participant = claim_participant(session, claim)
    previous = bank_account_of(claim)
    if claim.status is ClaimStatus.payout_failed:
        account = checked_bank_account(claim, participant, bank_code, number, holder)
        replace_failed_payout(session, claim, _account_fields(account), now)
    else:
        require_editable(claim, "bank account")
        account = checked_bank_account(claim, participant, bank_code, number, holder)
        values = _account_fields(account)
        update_claim_details(session, claim, dict(values, last_activity_at=now, updated_at=now))
    refresh_flags_after_account_change(session, claim, previous)
    return claim


def _account_fields(account: BankAccount) -> dict[str, str]:
    return {
        "bank_code": account.bank_code,
        "account_number": account.account_number,
        "account_holder": account.holder_name,
    }


def set_npwp(session: Session, claim: Claim, npwp_text: str, now: datetime) -> Claim:
    """The claimant's NPWP (a lower tax rate), checked against their NIK."""
    require_editable(claim, "NPWP")
    participant = claim_participant(session, claim)
    npwp = Npwp.parse(npwp_text, Nik(claimant_nik(claim, participant)))
    update_claim_details(
        session, claim, {"npwp": npwp.value, "last_activity_at": now, "updated_at": now}
    )
    return claim


def submission_facts(session: Session, claim: Claim, now: datetime) -> TransitionFacts:
    """What the machine checks on submission: the missing items and eligibility today."""
    participant = claim_participant(session, claim)
    checklist = claim_checklist(session, claim, participant)
    present = present_doc_types(document_statuses_of_claim(session, claim.id))
    missing = missing_items(
        checklist, present, claim.account_number is not None, claim.npwp is not None
    )
    rules = claim_rules(claim)
    # The claim itself is not an "earlier" partial claim; another KPJ of the person that
    # became active since creation stops the stop-work reasons.
    facts = eligibility_facts(session, participant, excluding_claim=claim.id)
    eligibility = check_eligibility(
        rules, ClaimReason(claim.reason), facts, wib_date(now), claim.employment_end_date
    )
    return TransitionFacts(missing_items=missing, eligibility_code=eligibility.code)


def submit(
    session: Session, claim: Claim, now: datetime, *, declared_at: datetime | None = None
) -> Claim:
    """Submits the claim for verification; refused while items are missing. `declared_at`:
    when the applicant ticked the page's declaration, kept in the submit's audit event.
    The applicant is told by mail and SMS (with the review's working days and due day)."""
    facts = submission_facts(session, claim, now)
    changes = {"submitted_at": claim.submitted_at or now, "last_activity_at": now}
    data = None
    if declared_at is not None:
        data = {"declaration": {"ticked": True, "at": declared_at.isoformat()}}
    apply_transition(
        session, claim, Trigger.submit, APPLICANT, now, facts, changes=changes, data=data
    )
    params: dict[str, object] = {"review_days": claim_rules(claim).sla_working_days}
    if claim.sla_due_at is not None:
        params["due_on"] = wib_date(claim.sla_due_at).isoformat()
    enqueue_notification(session, claim, "claim_submitted", now, params)
    return claim


def cancel(
    session: Session, claim: Claim, actor: Actor, now: datetime, reason_code: str | None = None
) -> Claim:
    """Cancels the claim (the applicant, or the system for an expired draft) and frees its
    interview seat."""
    apply_transition(session, claim, Trigger.cancel, actor, now, reason_code=reason_code)
    cancel_held_bookings(session, claim.id)
    flush_changes(session)
    return claim
