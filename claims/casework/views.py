"""The API's views of a claim, one per audience: the applicant's (checklist, estimate,
interview, history, allowed actions) and the officer's (registry data, documents, flags,
payouts, events). The queue and public tracking have modules of their own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from claims.booking.book import BRANCH_INTERVIEW_REQUESTED, interview_choice
from claims.casework import schemas
from claims.casework.facts import (
    claim_checklist,
    claim_estimate,
    claim_participant,
    kpj_account,
    wib_date,
)
from claims.casework.intake import CreatedClaim
from claims.models import Claim, Document, Participant, Payout, PayoutSettlementProposal
from claims.payouts.service import masked_account
from claims.repositories.bookings import latest_interview
from claims.repositories.claim_views import (
    claim_events,
    claim_payouts,
    reused_file_counts,
    standing_proposals,
)
from claims.repositories.documents import DOCUMENT_FILE_REMOVED, documents_of_claim
from claims.repositories.registry import branch_of
from workflow.account import Account
from workflow.checklist import Checklist, missing_items
from workflow.document_lifecycle import present_doc_types
from workflow.heirs import HEIR_ORDER, HEIR_RELATIONSHIP_LABELS, heir_rank
from workflow.identifiers import BankAccount, Nik
from workflow.machine import allowed_triggers
from workflow.money import Estimate
from workflow.reason_codes import parse_reason_code
from workflow.rules import DocumentType
from workflow.states import EDITABLE_STATUSES, ActorRole, ClaimStatus

Language = str  # "id" or "en"


def document_label(doc_type: str, language: Language) -> str:
    """The name of a kind of document in the applicant's language (its code if unknown)."""
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        return doc_type
    return kind.label_en if language == "en" else kind.label_id


def reason_words(code: str | None, language: Language) -> str | None:
    """What a reason code of a decision means, in the applicant's language."""
    reason = parse_reason_code(code or "")
    if reason is None:
        return None
    return reason.explanation_en if language == "en" else reason.explanation_id


def checklist_items(
    session: Session, claim: Claim, participant: Participant, language: Language
) -> list[schemas.ChecklistItem]:
    checklist = claim_checklist(session, claim, participant)
    documents = {d.doc_type: d for d in documents_of_claim(session, claim.id)}
    return checklist_view(checklist, documents, language)


def checklist_view(
    checklist: Checklist, documents: Mapping[str, Document], language: Language
) -> list[schemas.ChecklistItem]:
    """The checklist's items, each with the state of its document, if there is one."""
    items = []
    for doc_type, required in [(d.value, True) for d in checklist.required] + [
        (d.value, False) for d in checklist.optional
    ]:
        document = documents.get(doc_type)
        items.append(
            schemas.ChecklistItem(
                doc_type=doc_type,
                label=document_label(doc_type, language),
                required=required,
                status=document.status if document else "missing",
                reason_code=document.reason_code if document else None,
                reason=reason_words(document.reason_code, language) if document else None,
                note=document.note if document else None,
                pages=document.pages if document else None,
                size_bytes=document.size_bytes if document else None,
            )
        )
    return items


def estimate_view(
    session: Session, claim: Claim, participant: Participant, now: datetime
) -> schemas.EstimateView:
    return estimate_figures(claim_estimate(session, claim, participant, now))


def estimate_figures(figures: Estimate) -> schemas.EstimateView:
    return schemas.EstimateView(
        as_of=figures.on,
        balance=figures.balance,
        gross=figures.gross,
        tax=figures.tax,
        net=figures.net,
        npwp_required=figures.npwp_required,
    )


def interview_view(session: Session, claim: Claim) -> schemas.InterviewView | None:
    if claim.status not in (
        ClaimStatus.interview_scheduled,
        ClaimStatus.interview_missed,
    ):
        return None
    interview = latest_interview(session, claim.id)
    if interview is None:
        return None
    branch = branch_of(session, interview.branch_code)
    choice = interview_choice(session, claim)
    return schemas.InterviewView(
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        branch_code=interview.branch_code,
        timezone=branch.timezone if branch else "Asia/Jakarta",
        video_url=interview.video_url,
        first_change_free=choice.first_change_free if choice else False,
        max_rebookings=choice.max_rebookings if choice else 0,
        rebookings_left=choice.rebookings_left if choice else 0,
    )


def branch_interview_request(claim: Claim) -> schemas.BranchInterviewRequest | None:
    if claim.branch_interview_requested_at is None:
        return None
    return schemas.BranchInterviewRequest(
        requested_at=claim.branch_interview_requested_at,
        reason=claim.branch_interview_reason or "",
    )


def history(session: Session, claim_id: str) -> list[schemas.HistoryItem]:
    """The claim's steps as the applicant sees them: the audit events but those that change
    no step (their own file removals, their request to be interviewed at the branch, which
    the page says where it belongs); the officers' event list keeps them all."""
    return [
        schemas.HistoryItem(status=e.to_status, at=e.at, reason_code=e.reason_code, note=e.note)
        for e in claim_events(session, claim_id)
        if e.trigger not in STEPLESS_EVENTS
    ]


STEPLESS_EVENTS = (DOCUMENT_FILE_REMOVED, BRANCH_INTERVIEW_REQUESTED)


def applicant_actions(claim: Claim) -> list[str]:
    status = claim.status
    actions = [t.value for t in allowed_triggers(status, ActorRole.applicant)]
    if status in EDITABLE_STATUSES:
        actions = ["upload_documents", "set_bank_account", "set_npwp", *actions]
    return actions


def applicant_view(
    session: Session, claim: Claim, now: datetime, language: Language
) -> schemas.ApplicantClaimView:
    participant = claim_participant(session, claim)
    account = None
    if claim.bank_code and claim.account_number and claim.account_holder:
        account = schemas.BankAccountMasked(
            bank_code=claim.bank_code,
            account_number_masked=BankAccount(
                claim.bank_code, claim.account_number, claim.account_holder
            ).masked(),
            account_holder=claim.account_holder,
        )
    return schemas.ApplicantClaimView(
        id=claim.id,
        reference=claim.reference,
        status=claim.status,
        version=claim.version,
        reason=claim.reason,
        branch_code=claim.branch_code,
        participant=schemas.ParticipantMasked(
            full_name=participant.full_name,
            kpj=participant.kpj,
            nik_masked=Nik(participant.nik).masked(),
        ),
        heir_full_name=claim.heir_full_name,
        bank_account=account,
        npwp_given=claim.npwp is not None,
        checklist=checklist_items(session, claim, participant, language),
        estimate=estimate_view(session, claim, participant, now),
        interview=interview_view(session, claim),
        branch_interview_request=branch_interview_request(claim),
        allowed_actions=applicant_actions(claim),
        sla_due_at=claim.sla_due_at,
        history=history(session, claim.id),
    )


def created_view(created: CreatedClaim, language: Language) -> schemas.CreatedClaimView:
    """The answer to a new claim, from what its creation wrote and worked out (no documents
    yet, so every item is missing)."""
    row = created.row
    return schemas.CreatedClaimView(
        id=row["id"],
        reference=row["reference"],
        status=row["status"],
        access_token=created.access_token,
        reason=row["reason"],
        checklist=checklist_view(created.checklist, {}, language),
        estimate=estimate_figures(created.estimate),
    )


# --- officers -------------------------------------------------------------------------------


def payout_view(
    payout: Payout, proposal: PayoutSettlementProposal | None = None
) -> schemas.PayoutView:
    return schemas.PayoutView(
        reference=payout.reference,
        gross=payout.gross,
        tax=payout.tax,
        net=payout.net,
        status=payout.status,
        bank_code=payout.bank_code,
        account_number_masked=masked_account(payout),
        created_at=payout.created_at,
        paid_at=payout.paid_at,
        settlement_proposal=None
        if proposal is None
        else schemas.SettlementProposalView(
            action=proposal.action,
            detail=proposal.detail,
            proposed_by=f"finance:{proposal.proposed_by}",
            proposed_at=proposal.proposed_at,
        ),
    )


def account_view(account: Account) -> schemas.AccountView:
    return schemas.AccountView(
        as_of=account.as_of,
        statement_balance=account.statement_balance,
        statement_date=account.statement_date,
        development=account.development,
        paid_out=account.paid_out,
        held=account.held,
        available=account.available,
        rate_bp=account.rate.rate_bp,
        rate_assumed=account.rate.assumed,
        rate_source=account.rate.source,
    )


def event_views(session: Session, claim_id: str) -> list[schemas.EventView]:
    return [
        schemas.EventView(
            seq=e.seq,
            trigger=e.trigger,
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor_role if e.actor_id is None else f"{e.actor_role}:{e.actor_id}",
            at=e.at,
            reason_code=e.reason_code,
            note=e.note,
            hash=e.hash,
        )
        for e in claim_events(session, claim_id)
    ]


def heir_view(claim: Claim) -> schemas.HeirView | None:
    """The heir of a death claim with their place in the heir order, and the whole order, so
    the officer can check on the family card that no heir of an earlier order exists (the
    claim is flagged `later_heir` when the heir is not of the first)."""
    if not (claim.heir_nik and claim.heir_birth_date):
        return None
    relationship = claim.heir_relationship or "other"
    words = HEIR_RELATIONSHIP_LABELS.get(relationship, (relationship, relationship))
    return schemas.HeirView(
        nik=claim.heir_nik,
        full_name=claim.heir_full_name or "",
        birth_date=claim.heir_birth_date,
        relationship=relationship,
        relationship_label_id=words[0],
        relationship_label_en=words[1],
        rank=heir_rank(relationship),
        order=[
            schemas.HeirOrderStep(
                rank=step.rank,
                relationship=step.relationship,
                label_id=step.label_id,
                label_en=step.label_en,
            )
            for step in HEIR_ORDER
        ],
    )


def officer_view(session: Session, claim: Claim, now: datetime) -> schemas.OfficerClaimView:
    participant = claim_participant(session, claim)
    checklist = claim_checklist(session, claim, participant)
    required = {d.value for d in checklist.required}
    documents = documents_of_claim(session, claim.id)
    reused = reused_file_counts(session, claim.id, participant.nik)
    present = present_doc_types({d.doc_type: d.status for d in documents})
    missing = list(missing_items(checklist, present, True, True))
    proposals = standing_proposals(session, claim.id)
    payouts = [payout_view(p, proposals.get(p.id)) for p in claim_payouts(session, claim.id)]
    return schemas.OfficerClaimView(
        id=claim.id,
        reference=claim.reference,
        status=claim.status,
        version=claim.version,
        reason=claim.reason,
        branch_code=claim.branch_code,
        rules_version=claim.rules_version,
        participant=schemas.RegistryView(
            kpj=participant.kpj,
            nik=participant.nik,
            full_name=participant.full_name,
            birth_date=participant.birth_date,
            gender=participant.gender,
            membership_start=participant.membership_start,
            membership_status=participant.membership_status,
            employer_name=participant.employer_name,
            employment_end_date=participant.employment_end_date,
            balance=participant.balance,
            balance_date=participant.balance_date,
            deceased=participant.deceased,
        ),
        heir=heir_view(claim),
        email=claim.email,
        phone=claim.phone,
        employment_end_date=claim.employment_end_date,
        bank_account=(
            {
                "bank_code": claim.bank_code,
                "account_number": claim.account_number,
                "account_holder": claim.account_holder or "",
            }
            if claim.bank_code and claim.account_number
            else None
        ),
        npwp=claim.npwp,
        documents=[
            schemas.OfficerDocumentView(
                doc_type=d.doc_type,
                required=d.doc_type in required,
                status=d.status,
                pages=d.pages,
                size_bytes=d.size_bytes,
                sha256=d.sha256,
                reason_code=d.reason_code,
                note=d.note,
                uploaded_at=d.uploaded_at,
                reused_in_other_claims=reused.get(d.id, 0),
            )
            for d in documents
        ],
        missing_documents=missing,
        account=account_view(kpj_account(session, participant, wib_date(now))),
        estimate=estimate_view(session, claim, participant, now),
        # Stored when their facts changed (casework.flags), as the queue reads them.
        flags=list(claim.flags or []),
        interview=interview_view(session, claim),
        branch_interview_request=branch_interview_request(claim),
        verifier_id=claim.verifier_id,
        interviewer_id=claim.interviewer_id,
        approver_id=claim.approver_id,
        payout=payouts[-1] if payouts else None,
        payouts=payouts,
        allowed_triggers=[t.value for t in allowed_triggers(claim.status)],
        sla_due_at=claim.sla_due_at,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        events=event_views(session, claim.id),
    )
