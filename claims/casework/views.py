"""Building the API's views of a claim from the database, one per audience."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from claims.booking.service import latest_interview
from claims.casework import schemas
from claims.casework.service import (
    EDITABLE_STATUSES,
    claim_checklist,
    claim_estimate,
    claim_participant,
    claimant_name,
    documents_of,
    wib_date,
)
from claims.errors import FieldProblem
from claims.models import Branch, Claim, ClaimEvent, DocumentFile, Participant, Payout
from workflow.checklist import missing_items
from workflow.identifiers import BankAccount, Nik, normalize_holder_name
from workflow.machine import allowed_triggers
from workflow.reason_codes import parse_reason_code
from workflow.rules import DocumentType
from workflow.states import FINAL_STATUSES, TRACKER_STEP, WAITING_ON, ActorRole, ClaimStatus

Language = str  # "id" or "en"


def _label(doc_type: str, language: Language) -> str:
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        return doc_type
    return kind.label_en if language == "en" else kind.label_id


def _reason_words(code: str | None, language: Language) -> str | None:
    reason = parse_reason_code(code or "")
    if reason is None:
        return None
    return reason.explanation_en if language == "en" else reason.explanation_id


def checklist_items(
    session: Session, claim: Claim, participant: Participant, language: Language
) -> list[schemas.ChecklistItem]:
    checklist = claim_checklist(session, claim, participant)
    documents = {d.doc_type: d for d in documents_of(session, claim.id)}
    items = []
    for doc_type, required in [(d.value, True) for d in checklist.required] + [
        (d.value, False) for d in checklist.optional
    ]:
        document = documents.get(doc_type)
        items.append(
            schemas.ChecklistItem(
                doc_type=doc_type,
                label=_label(doc_type, language),
                required=required,
                status=document.status if document else "missing",
                reason_code=document.reason_code if document else None,
                reason=_reason_words(document.reason_code, language) if document else None,
                note=document.note if document else None,
                pages=document.pages if document else None,
                size_bytes=document.size_bytes if document else None,
            )
        )
    return items


def estimate_view(
    session: Session, claim: Claim, participant: Participant, now: datetime
) -> schemas.EstimateView:
    figures = claim_estimate(session, claim, participant, now)
    return schemas.EstimateView(
        balance=figures.balance,
        gross=figures.gross,
        tax=figures.tax,
        net=figures.net,
        npwp_required=figures.npwp_required,
    )


def interview_view(session: Session, claim: Claim) -> schemas.InterviewView | None:
    if ClaimStatus(claim.status) not in (
        ClaimStatus.interview_scheduled,
        ClaimStatus.interview_missed,
    ):
        return None
    interview = latest_interview(session, claim.id)
    if interview is None:
        return None
    branch = session.get(Branch, interview.branch_code)
    return schemas.InterviewView(
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        branch_code=interview.branch_code,
        timezone=branch.timezone if branch else "Asia/Jakarta",
        video_url=interview.video_url,
    )


def history(session: Session, claim_id: str) -> list[schemas.HistoryItem]:
    events = session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
    )
    return [
        schemas.HistoryItem(status=e.to_status, at=e.at, reason_code=e.reason_code, note=e.note)
        for e in events
    ]


def applicant_actions(claim: Claim) -> list[str]:
    status = ClaimStatus(claim.status)
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
        allowed_actions=applicant_actions(claim),
        sla_due_at=claim.sla_due_at,
        history=history(session, claim.id),
    )


def created_view(
    session: Session, claim: Claim, token: str, now: datetime, language: Language
) -> schemas.CreatedClaimView:
    participant = claim_participant(session, claim)
    return schemas.CreatedClaimView(
        id=claim.id,
        reference=claim.reference,
        status=claim.status,
        access_token=token,
        reason=claim.reason,
        checklist=checklist_items(session, claim, participant, language),
        estimate=estimate_view(session, claim, participant, now),
    )


# --- officers -------------------------------------------------------------------------------


def payout_view(payout: Payout) -> schemas.PayoutView:
    return schemas.PayoutView(
        reference=payout.reference,
        gross=payout.gross,
        tax=payout.tax,
        net=payout.net,
        status=payout.status,
        bank_code=payout.bank_code,
        account_number_masked=f"****{payout.account_number[-4:]}",
        created_at=payout.created_at,
    )


def event_views(session: Session, claim_id: str) -> list[schemas.EventView]:
    events = session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
    )
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
        for e in events
    ]


def reused_file_counts(session: Session, claim: Claim, participant: Participant) -> dict[int, int]:
    """Per document: how many claims of OTHER participants hold one of its original files."""
    mine = DocumentFile.__table__.alias("mine")
    other = DocumentFile.__table__.alias("other")
    rows = session.execute(
        select(mine.c.document_id, func.count(func.distinct(other.c.claim_id)))
        .join(other, and_(other.c.sha256 == mine.c.sha256, other.c.claim_id != mine.c.claim_id))
        .join(Claim, Claim.id == other.c.claim_id)
        .join(Participant, Participant.kpj == Claim.kpj)
        .where(mine.c.claim_id == claim.id, Participant.nik != participant.nik)
        .group_by(mine.c.document_id)
    )
    return {int(document_id): int(count) for document_id, count in rows}


def shared_bank_account(session: Session, claim: Claim, participant: Participant) -> bool:
    if not claim.account_number:
        return False
    count = session.scalar(
        select(func.count())
        .select_from(Claim)
        .join(Participant, Participant.kpj == Claim.kpj)
        .where(
            Claim.bank_code == claim.bank_code,
            Claim.account_number == claim.account_number,
            Claim.id != claim.id,
            Participant.nik != participant.nik,
        )
    )
    return bool(count)


def claim_flags(session: Session, claim: Claim, participant: Participant) -> list[str]:
    flags = []
    if shared_bank_account(session, claim, participant):
        flags.append("duplicate_bank_account")
    if reused_file_counts(session, claim, participant):
        flags.append("reused_document")
    if claim.account_holder and normalize_holder_name(
        claim.account_holder
    ) != normalize_holder_name(claimant_name(claim, participant)):
        flags.append("name_mismatch")
    return flags


def officer_view(session: Session, claim: Claim, now: datetime) -> schemas.OfficerClaimView:
    participant = claim_participant(session, claim)
    checklist = claim_checklist(session, claim, participant)
    required = {d.value for d in checklist.required}
    documents = documents_of(session, claim.id)
    reused = reused_file_counts(session, claim, participant)
    present = {d.doc_type for d in documents if d.status != "rejected"}
    missing = [m for m in missing_items(checklist, present, True, True)]
    payouts = session.scalars(select(Payout).where(Payout.claim_id == claim.id).order_by(Payout.id))
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
            deceased=participant.deceased,
        ),
        heir=(
            schemas.HeirView(
                nik=claim.heir_nik,
                full_name=claim.heir_full_name or "",
                birth_date=claim.heir_birth_date,
                relationship=claim.heir_relationship or "other",
            )
            if claim.heir_nik and claim.heir_birth_date
            else None
        ),
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
        estimate=estimate_view(session, claim, participant, now),
        flags=claim_flags(session, claim, participant),
        interview=interview_view(session, claim),
        verifier_id=claim.verifier_id,
        interviewer_id=claim.interviewer_id,
        approver_id=claim.approver_id,
        payouts=[payout_view(p) for p in payouts],
        allowed_triggers=[t.value for t in allowed_triggers(ClaimStatus(claim.status))],
        sla_due_at=claim.sla_due_at,
        created_at=claim.created_at,
        updated_at=claim.updated_at,
        events=event_views(session, claim.id),
    )


# --- the officer queue: keyset pagination in SLA order ---------------------------------------


def _encode_cursor(due: datetime | None, claim_id: str) -> str:
    raw = json.dumps([due.isoformat() if due else None, claim_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime | None, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, claim_id = json.loads(raw)
        return (datetime.fromisoformat(due) if due else None), str(claim_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise FieldProblem(
            [{"field": "cursor", "message": "Not a cursor this API gave out."}]
        ) from None


def queue_page(
    session: Session,
    *,
    branches: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    limit: int,
    cursor: str | None,
) -> schemas.QueuePage:
    """Most urgent SLA first. Open claims have a due date; finished ones (no due date) come
    only when asked for by status, in id order."""
    # Only the listed columns: loading whole Claim rows costs more than the indexed walk.
    statement = select(
        Claim.id,
        Claim.reference,
        Claim.status,
        Claim.reason,
        Claim.branch_code,
        Claim.sla_due_at,
        Claim.updated_at,
    )
    if branches is not None:
        statement = statement.where(Claim.branch_code.in_(branches))
    if status:
        statement = statement.where(Claim.status == status)
    if reason:
        statement = statement.where(Claim.reason == reason)
    finished = status is not None and ClaimStatus(status) in FINAL_STATUSES
    if finished:
        if cursor:
            _, after_id = _decode_cursor(cursor)
            statement = statement.where(Claim.id > after_id)
        statement = statement.order_by(Claim.id)
    else:
        statement = statement.where(Claim.sla_due_at.is_not(None))
        if cursor:
            after_due, after_id = _decode_cursor(cursor)
            statement = statement.where(
                or_(
                    Claim.sla_due_at > after_due,
                    and_(Claim.sla_due_at == after_due, Claim.id > after_id),
                )
            )
        statement = statement.order_by(Claim.sla_due_at, Claim.id)
    rows = list(session.execute(statement.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        schemas.QueueItem(
            id=c.id,
            reference=c.reference,
            status=c.status,
            reason=c.reason,
            branch_code=c.branch_code,
            sla_due_at=c.sla_due_at,
            flags=[],
            updated_at=c.updated_at,
        )
        for c in rows
    ]
    next_cursor = _encode_cursor(rows[-1].sla_due_at, rows[-1].id) if more and rows else None
    return schemas.QueuePage(items=items, next_cursor=next_cursor)


# --- public tracking --------------------------------------------------------------------------

STEP_LABELS = {
    1: ("Pengajuan klaim", "Claim submission"),
    2: ("Verifikasi dokumen", "Document verification"),
    3: ("Wawancara", "Interview"),
    4: ("Persetujuan", "Approval"),
    5: ("Pembayaran", "Payment"),
}
NEXT_STEPS = {
    ClaimStatus.documents_pending: (
        "Lengkapi dokumen, rekening bank dan NPWP, lalu ajukan klaim.",
        "Upload the documents, give the bank account and NPWP, then submit the claim.",
    ),
    ClaimStatus.under_review: (
        "Petugas sedang memeriksa dokumen Anda.",
        "An officer is checking your documents.",
    ),
    ClaimStatus.revision_requested: (
        "Perbaiki dokumen yang dikembalikan, lalu ajukan kembali.",
        "Correct the documents that were sent back, then submit again.",
    ),
    ClaimStatus.interview_scheduled: (
        "Ikuti wawancara video sesuai jadwal.",
        "Attend the video interview at the booked time.",
    ),
    ClaimStatus.interview_missed: (
        "Anda tidak hadir wawancara; pilih jadwal baru.",
        "You missed the interview; choose a new time.",
    ),
    ClaimStatus.awaiting_approval: (
        "Klaim menunggu persetujuan petugas.",
        "The claim is waiting for approval.",
    ),
    ClaimStatus.approved: (
        "Dana sedang ditransfer ke rekening Anda.",
        "The money is being transferred to your account.",
    ),
    ClaimStatus.payout_failed: (
        "Transfer ditolak bank; masukkan rekening lain atas nama Anda.",
        "The bank refused the transfer; give another account in your name.",
    ),
    ClaimStatus.paid: ("Selesai: dana telah ditransfer.", "Done: the money has been transferred."),
    ClaimStatus.rejected: (
        "Klaim ditolak. Lihat alasan pada halaman klaim.",
        "The claim was rejected; see the reason on the claim page.",
    ),
    ClaimStatus.cancelled: ("Klaim dibatalkan.", "The claim was cancelled."),
    ClaimStatus.expired: (
        "Klaim kedaluwarsa karena tidak dilengkapi; Anda dapat mengajukan klaim baru.",
        "The claim expired unfinished; you may start a new claim.",
    ),
}
FINAL_STATE = {
    ClaimStatus.paid: "completed",
    ClaimStatus.rejected: "rejected",
    ClaimStatus.cancelled: "cancelled",
    ClaimStatus.expired: "expired",
}
STOPPED_LABEL = {
    "rejected": ("Ditolak", "Rejected"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "expired": ("Kedaluwarsa", "Expired"),
}


def tracking_state(status: ClaimStatus) -> str:
    if status in FINAL_STATE:
        return FINAL_STATE[status]
    return "action_required" if WAITING_ON.get(status) == "applicant" else "in_progress"


def tracking_view(session: Session, kpj: str, language: Language) -> schemas.TrackingView:
    """The five steps of each claim of a KPJ, newest first; nothing personal."""
    english = language == "en"
    claims = session.execute(
        select(Claim.reference, Claim.reason, Claim.status, Claim.updated_at)
        .where(Claim.kpj == kpj)
        .order_by(Claim.created_at.desc())
        .limit(20)
    )
    tracked = []
    for claim in claims:
        status = ClaimStatus(claim.status)
        step = TRACKER_STEP.get(status)
        state = tracking_state(status)
        if step is not None:
            label = STEP_LABELS[step][1 if english else 0]
        else:
            label = STOPPED_LABEL[state][1 if english else 0]
        reason = claim.reason
        tracked.append(
            schemas.TrackedClaim(
                reference=claim.reference,
                reason=reason,
                step=step,
                step_label=label,
                state=state,
                updated_on=wib_date(claim.updated_at),
                next_step=NEXT_STEPS[status][1 if english else 0],
            )
        )
    return schemas.TrackingView(kpj=kpj, claims=tracked)
