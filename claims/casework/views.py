"""Building the API's views of a claim from the database, one per audience."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from claims.booking.service import latest_interview
from claims.casework import schemas
from claims.casework.facts import (
    claim_checklist,
    claim_estimate,
    claim_participant,
    claimant_name,
    wib_date,
)
from claims.casework.service import EDITABLE_STATUSES, CreatedClaim, documents_of
from claims.errors import FieldProblem
from claims.models import (
    Branch,
    Claim,
    ClaimEvent,
    Document,
    DocumentFile,
    Participant,
    Payout,
    UtcDateTime,
)
from claims.payouts.service import masked_account
from workflow.checklist import Checklist, missing_items
from workflow.identifiers import BankAccount, Nik, normalize_holder_name
from workflow.machine import allowed_triggers
from workflow.money import Estimate
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
    return estimate_figures(claim_estimate(session, claim, participant, now))


def estimate_figures(figures: Estimate) -> schemas.EstimateView:
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


def payout_view(payout: Payout) -> schemas.PayoutView:
    return schemas.PayoutView(
        reference=payout.reference,
        gross=payout.gross,
        tax=payout.tax,
        net=payout.net,
        status=payout.status,
        bank_code=payout.bank_code,
        account_number_masked=masked_account(payout),
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
    missing = list(missing_items(checklist, present, True, True))
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


def _json_time(moment: datetime | str | None) -> str | None:
    """The JSON form pydantic gives an aware UTC datetime (`...Z`), without the model: from a
    datetime (PostgreSQL) or from SQLite's stored UTC text (`2026-11-16 03:00:00.000000`)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        text = moment.replace(" ", "T", 1)
        return (text[:-7] if text.endswith(".000000") else text) + "Z"
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _as_datetime(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return moment


# The times are read raw (type_coerce changes no SQL): SQLite's text goes straight into the
# JSON instead of being parsed into datetimes and formatted again, 2 per row.
_QUEUE_COLUMNS = (
    Claim.id,
    Claim.reference,
    Claim.status,
    Claim.reason,
    Claim.branch_code,
    type_coerce(Claim.sla_due_at, String).label("sla_due_at"),
    type_coerce(Claim.updated_at, String).label("updated_at"),
)


QueueShape = tuple[str, bool, bool, bool, bool]

# The condition of the finished-claim indexes (migration 0004), word for word: SQLite and
# PostgreSQL use a partial index only for a query that states its condition.
FINISHED_CLAIM = text(
    "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(FINAL_STATUSES)))
)


@functools.cache
def _queue_statement(shape: QueueShape) -> Select[Any]:
    """The page query of one shape of filters, with bound parameters: built and compiled once
    per shape, not per request."""
    branch_mode, has_status, has_reason, finished, has_cursor = shape
    statement = select(*_QUEUE_COLUMNS)
    if branch_mode == "one":
        # One branch (the usual page) as an equality: no IN list to expand at each execution.
        statement = statement.where(Claim.branch_code == bindparam("branch"))
    elif branch_mode == "some":
        statement = statement.where(Claim.branch_code.in_(bindparam("branches", expanding=True)))
    if has_status:
        statement = statement.where(Claim.status == bindparam("status"))
    if has_reason:
        statement = statement.where(Claim.reason == bindparam("reason"))
    after_id = bindparam("after_id", type_=String)
    if finished:
        statement = statement.where(FINISHED_CLAIM)
        if has_cursor:
            statement = statement.where(Claim.id > after_id)
        statement = statement.order_by(Claim.id)
    else:
        statement = statement.where(Claim.sla_due_at.is_not(None))
        if has_cursor:
            after_due = bindparam("after_due", type_=UtcDateTime())
            statement = statement.where(
                or_(
                    Claim.sla_due_at > after_due,
                    and_(Claim.sla_due_at == after_due, Claim.id > after_id),
                )
            )
        statement = statement.order_by(Claim.sla_due_at, Claim.id)
    return statement.limit(bindparam("page_limit", type_=Integer))


def queue_query(
    *,
    branches: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Select[Any], dict[str, Any]]:
    """The page query and its parameters (one more row than `limit`, to know of a next page).
    Most urgent SLA first. Open claims have a due date; finished ones (no due date) come only
    when asked for by status, in id order."""
    finished = status is not None and ClaimStatus(status) in FINAL_STATUSES
    parameters: dict[str, Any] = {"page_limit": limit + 1}
    branch_mode = "all"
    if branches is not None:
        if len(branches) == 1:
            branch_mode, parameters["branch"] = "one", branches[0]
        else:
            branch_mode, parameters["branches"] = "some", list(branches)
    if status:
        parameters["status"] = status
    if reason:
        parameters["reason"] = reason
    if cursor:
        after_due, parameters["after_id"] = _decode_cursor(cursor)
        if not finished:
            parameters["after_due"] = after_due
    shape = (branch_mode, bool(status), bool(reason), finished, bool(cursor))
    return _queue_statement(shape), parameters


def queue_document(rows: Sequence[Sequence[Any]], limit: int) -> dict[str, Any]:
    """The JSON document of `schemas.QueuePage` from the rows of `queue_query`, built straight
    from the selected columns (no ORM objects, no model validation: officers read the page
    many times a minute)."""
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": claim_id,
            "reference": reference,
            "status": claim_status,
            "reason": claim_reason,
            "branch_code": branch_code,
            "sla_due_at": _json_time(due),
            "flags": [],
            "updated_at": _json_time(updated),
        }
        for claim_id, reference, claim_status, claim_reason, branch_code, due, updated in rows
    ]
    next_cursor = None
    if more and rows:
        last_due, last_id = rows[-1][5], rows[-1][0]
        next_cursor = _encode_cursor(_as_datetime(last_due) if last_due else None, last_id)
    return {"items": items, "next_cursor": next_cursor}


def queue_page(
    session: Session | Connection,
    *,
    branches: Sequence[str] | None,
    status: str | None,
    reason: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of the officer queue (`queue_query`) as its JSON document."""
    statement, parameters = queue_query(
        branches=branches, status=status, reason=reason, limit=limit, cursor=cursor
    )
    return queue_document(session.execute(statement, parameters).all(), limit)


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


# The one query of public tracking (ix_claims_kpj_created), compiled once.
TRACKING_QUERY = (
    select(Claim.reference, Claim.reason, Claim.status, Claim.updated_at)
    .where(Claim.kpj == bindparam("kpj"))
    .order_by(Claim.created_at.desc())
    .limit(20)
)


def tracking_document(
    rows: Iterable[Sequence[Any]], kpj: str, language: Language
) -> dict[str, Any]:
    """The JSON document of `schemas.TrackingView` from the rows of TRACKING_QUERY: the five
    steps of each claim of a KPJ, newest first; nothing personal."""
    choice = 1 if language == "en" else 0
    tracked = []
    for reference, reason, status_value, updated_at in rows:
        status = ClaimStatus(status_value)
        step = TRACKER_STEP.get(status)
        state = tracking_state(status)
        label = STEP_LABELS[step][choice] if step is not None else STOPPED_LABEL[state][choice]
        tracked.append(
            {
                "reference": reference,
                "reason": reason,
                "step": step,
                "step_label": label,
                "state": state,
                "updated_on": wib_date(_as_datetime(updated_at)).isoformat(),
                "next_step": NEXT_STEPS[status][choice],
            }
        )
    return {"kpj": kpj, "claims": tracked}


def tracking_view(session: Session, kpj: str, language: Language) -> schemas.TrackingView:
    """`tracking_document` as the model (for the pages)."""
    rows = session.execute(TRACKING_QUERY, {"kpj": kpj})
    return schemas.TrackingView.model_validate(tracking_document(rows, kpj, language))
