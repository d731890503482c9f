"""Claim casework: identity verification and creation, the applicant's data, submission and
the officers' decisions. Services flush and never commit: the request or job that calls
them owns the transaction."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.casework.audit import write_event
from claims.casework.facts import (
    claim_checklist,
    claim_participant,
    claimant_name,
    claimant_nik,
    facts_of,
    participant_facts,
    wib_date,
)
from claims.db import driver_execute, insert_of
from claims.errors import Conflict, FieldProblem, refusal
from claims.models import Claim, Document, Participant, Payout, VerificationAttempt
from claims.notifications_outbox import add_outbox_row, enqueue_notification, notification_row
from claims.repositories._rows import flush_claim, row_defaults
from claims.repositories.claims import (
    Registrant,
    apply_transition,
    claim_rules,
    creation_checks,
    forget_person_facts,
    registrant,
    write_claim,
)
from claims.security import hash_token, new_token
from workflow.checklist import Checklist, document_checklist, missing_items
from workflow.eligibility import Eligibility, check_eligibility
from workflow.identifiers import (
    BankAccount,
    InvalidIdentifier,
    Kpj,
    Nik,
    Npwp,
    Phone,
    normalize_holder_name,
)
from workflow.machine import TransitionFacts
from workflow.money import Estimate, estimate
from workflow.reason_codes import ReasonCode
from workflow.rules import rules_in_force
from workflow.states import (
    CREATE_EVENT_TRIGGER,
    INITIAL_STATUS,
    OPEN_STATUSES,
    Actor,
    ActorRole,
    ClaimReason,
    ClaimStatus,
    Trigger,
)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
APPLICANT = Actor(ActorRole.applicant)
SYSTEM = Actor(ActorRole.system)
EDITABLE_STATUSES = (ClaimStatus.documents_pending, ClaimStatus.revision_requested)
HEIR_RELATIONSHIPS = ("spouse", "child", "parent", "sibling", "other")
CLAIMS = cast(Table, Claim.__table__)


@dataclass(frozen=True)
class HeirInput:
    nik: str
    full_name: str
    birth_date: date
    relationship: str


@dataclass(frozen=True)
class NewClaim:
    kpj: str
    nik: str
    full_name: str
    birth_date: date
    reason: ClaimReason
    email: str
    phone: str
    branch_code: str
    employment_end_date: date | None = None
    heir: HeirInput | None = None
    language: str = "id"


@dataclass(frozen=True)
class CheckedClaim:
    """A request whose fields are well-formed: what verification compares with the registry."""

    request: NewClaim
    kpj: str
    nik: Nik
    phone: str
    heir_nik: Nik | None


@dataclass(frozen=True)
class CreatedClaim:
    """A claim just written: the row as inserted, the access token (shown once), and the
    checklist and estimate worked out from the facts its creation read."""

    row: dict[str, Any]
    access_token: str
    checklist: Checklist
    estimate: Estimate

    @property
    def claim_id(self) -> str:
        return str(self.row["id"])


def check_form(request: NewClaim) -> CheckedClaim:
    """Field-level checks: 422 naming each malformed field. These failures are not counted
    as verification attempts (api.md: malformed requests don't count)."""
    errors: list[dict[str, str]] = []

    def problem(field: str, error: InvalidIdentifier | None, message: str = "") -> None:
        errors.append({"field": field, "message": error.message_en if error else message})

    kpj = nik = phone = heir_nik = None
    try:
        kpj = Kpj.parse(request.kpj).value
    except InvalidIdentifier as error:
        problem("kpj", error)
    try:
        nik = Nik.parse(request.nik)
    except InvalidIdentifier as error:
        problem("nik", error)
    try:
        phone = Phone.parse(request.phone).value
    except InvalidIdentifier as error:
        problem("phone", error)
    if not normalize_holder_name(request.full_name):
        problem("full_name", None, "Enter the full name as on the identity card.")
    if request.reason is ClaimReason.death:
        if request.heir is None:
            problem(
                "heir",
                None,
                "A death claim needs the heir's nik, full_name, birth_date and relationship.",
            )
        else:
            try:
                heir_nik = Nik.parse(request.heir.nik)
                heir_nik.require_agreement(request.heir.birth_date, field="heir.birth_date")
            except InvalidIdentifier as error:
                field = error.field if error.field.startswith("heir.") else f"heir.{error.field}"
                problem(field, error)
            if request.heir.relationship not in HEIR_RELATIONSHIPS:
                problem("heir.relationship", None, f"One of {', '.join(HEIR_RELATIONSHIPS)}.")
            if not normalize_holder_name(request.heir.full_name):
                problem("heir.full_name", None, "Enter the heir's full name.")
    elif request.heir is not None:
        problem("heir", None, "Only a death claim names an heir.")
    if errors or kpj is None or nik is None or phone is None:
        raise FieldProblem(errors)
    return CheckedClaim(request, kpj, nik, phone, heir_nik)


def verify_identity(session: Session, checked: CheckedClaim) -> Registrant | None:
    """The participant when NIK, KPJ, name, birth date and the NIK's own birth date all agree
    with the registry; None otherwise, without saying which field differed. One indexed
    read straight on the driver: every claim creation makes it."""
    participant = registrant(session, checked.kpj)
    request = checked.request
    if participant is None:
        return None
    matches = (
        participant.nik == checked.nik.value
        and normalize_holder_name(participant.full_name) == normalize_holder_name(request.full_name)
        and participant.birth_date == request.birth_date
        and checked.nik.agrees_with(request.birth_date)
    )
    return participant if matches else None


_INSERT_ATTEMPT = insert_of(
    cast(Table, VerificationAttempt.__table__), ("kpj", "client", "succeeded", "at")
)


def record_attempt(session: Session, kpj: str, client: str, succeeded: bool, now: datetime) -> None:
    attempt = {"kpj": kpj[:11], "client": client[:64], "succeeded": succeeded, "at": now}
    driver_execute(session.connection(), _INSERT_ATTEMPT, attempt)


def identity_not_verified() -> Exception:
    return refusal(
        "identity_not_verified",
        422,
        "The details do not match our records. Check them against your KPJ card and e-KTP.",
        "Data yang Anda masukkan tidak cocok dengan data kami. Periksa kembali sesuai kartu "
        "peserta dan e-KTP Anda.",
    )


def not_eligible(eligibility: Eligibility, language_hint: str = "id") -> Exception:
    extra: dict[str, object] = {"eligibility_code": eligibility.code}
    if eligibility.eligible_from:
        extra["eligible_from"] = eligibility.eligible_from.isoformat()
    return refusal("not_eligible", 422, eligibility.message_en, eligibility.message_id, **extra)


def new_reference(now: datetime) -> str:
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"JHT-{wib_date(now):%y%m}-{suffix}"


def create_claim(
    session: Session, checked: CheckedClaim, participant: Registrant, now: datetime
) -> CreatedClaim:
    """Creates a verified claim in `documents_pending`; raises when the claim is not eligible,
    the branch is unknown, or the KPJ already has an open claim. Every creation runs this:
    its reads and writes go straight to the driver, without ORM objects."""
    request = checked.request
    today = wib_date(now)
    rules = rules_in_force(today)
    connection = session.connection()
    branch_known, open_claims, history = creation_checks(
        session, request.branch_code, participant.kpj, participant.nik
    )
    if not branch_known:
        raise FieldProblem(
            [{"field": "branch_code", "message": "No branch office with this code."}]
        )
    had_partial, earlier_paid = history
    facts = facts_of(participant, had_partial)
    end_date = request.employment_end_date or participant.employment_end_date
    eligibility = check_eligibility(rules, request.reason, facts, today, end_date)
    if not eligibility.eligible:
        raise not_eligible(eligibility)
    if open_claims:
        raise open_claim_exists()
    token = new_token()
    heir = request.heir
    row = row_defaults(Claim)
    row.update(
        id=str(uuid.uuid4()),
        reference=new_reference(now),
        kpj=participant.kpj,
        reason=request.reason.value,
        status=INITIAL_STATUS.value,
        version=1,
        branch_code=request.branch_code,
        rules_version=rules.version,
        access_token_hash=hash_token(token),
        email=request.email.strip(),
        phone=checked.phone,
        language=request.language,
        employment_end_date=end_date,
        heir_nik=checked.heir_nik.value if checked.heir_nik else None,
        heir_full_name=heir.full_name.strip() if heir else None,
        heir_birth_date=heir.birth_date if heir else None,
        heir_relationship=heir.relationship if heir else None,
        balance_snapshot=participant.balance,
        reschedules_used=0,
        misses=0,
        sla_used_seconds=0,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    forget_person_facts(session)
    try:
        driver_execute(connection, insert_of(CLAIMS, row), row)
    except IntegrityError:
        # The partial unique index on open claims per KPJ decided a race between two creations.
        raise open_claim_exists() from None
    write_event(
        connection,
        row["id"],
        rules.version,
        trigger=CREATE_EVENT_TRIGGER,
        from_status=None,
        to_status=row["status"],
        actor_role=ActorRole.applicant.value,
        actor_id=None,
        at=now,
        data={"reason": row["reason"], "branch_code": row["branch_code"]},
    )
    add_outbox_row(
        session,
        None,
        notification_row(
            row["id"], row["language"], row["email"], row["reference"], "claim_created", now
        ),
    )
    reason = request.reason
    checklist = document_checklist(rules, reason, participant.balance, had_partial)
    figures = estimate(rules, reason, facts, earlier_paid, False, today, end_date)
    return CreatedClaim(row, token, checklist, figures)


def open_claim_of(session: Session, kpj: str) -> Claim | None:
    return session.scalar(
        select(Claim).where(Claim.kpj == kpj, Claim.status.in_([s.value for s in OPEN_STATUSES]))
    )


def open_claim_exists() -> Exception:
    return Conflict(
        "This KPJ already has a claim in progress; follow it on the tracking page or cancel it first.",
        "KPJ ini sudah memiliki klaim yang sedang diproses; pantau di halaman lacak atau batalkan dulu.",
        code="open_claim_exists",
    )


# --- reading -------------------------------------------------------------------------------


_DOCUMENTS_OF = (
    select(Document).where(Document.claim_id == bindparam("claim_id")).order_by(Document.id)
)


_DOCUMENT_STATUSES = select(Document.doc_type, Document.status).where(
    Document.claim_id == bindparam("claim_id")
)


def documents_of(session: Session, claim_id: str) -> list[Document]:
    return list(session.scalars(_DOCUMENTS_OF, {"claim_id": claim_id}))


# --- the applicant's data -----------------------------------------------------------------


def require_editable(claim: Claim, what: str) -> None:
    if ClaimStatus(claim.status) not in EDITABLE_STATUSES:
        raise refusal(
            "claim_not_editable",
            409,
            f"The {what} can only be changed while the claim waits for your documents "
            f"(now: {claim.status}).",
            f"Data ini hanya dapat diubah selama klaim menunggu kelengkapan dokumen "
            f"(status sekarang: {claim.status}).",
            current_status=claim.status,
        )


def checked_bank_account(
    claim: Claim, participant: Participant, bank_code: str, number: str, holder: str
) -> BankAccount:
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
    participant = claim_participant(session, claim)
    if ClaimStatus(claim.status) is ClaimStatus.payout_failed:
        from claims.payouts.service import replace_failed_payout

        account = checked_bank_account(claim, participant, bank_code, number, holder)
        _store_account(claim, account)
        replace_failed_payout(session, claim, now)
        return claim
    require_editable(claim, "bank account")
    account = checked_bank_account(claim, participant, bank_code, number, holder)
    values = _account_fields(account)
    write_claim(session, claim, dict(values, last_activity_at=now, updated_at=now))
    return claim


def _account_fields(account: BankAccount) -> dict[str, str]:
    return {
        "bank_code": account.bank_code,
        "account_number": account.account_number,
        "account_holder": account.holder_name,
    }


def _store_account(claim: Claim, account: BankAccount) -> None:
    for name, value in _account_fields(account).items():
        setattr(claim, name, value)


def set_npwp(session: Session, claim: Claim, npwp_text: str, now: datetime) -> Claim:
    require_editable(claim, "NPWP")
    participant = claim_participant(session, claim)
    npwp = Npwp.parse(npwp_text, Nik(claimant_nik(claim, participant)))
    write_claim(session, claim, {"npwp": npwp.value, "last_activity_at": now, "updated_at": now})
    return claim


def submission_facts(session: Session, claim: Claim, now: datetime) -> TransitionFacts:
    participant = claim_participant(session, claim)
    checklist = claim_checklist(session, claim, participant)
    session.flush()  # what a query would autoflush
    rows = session.connection().execute(_DOCUMENT_STATUSES, {"claim_id": claim.id})
    present = {doc_type for doc_type, status in rows if status != "rejected"}
    missing = missing_items(
        checklist, present, claim.account_number is not None, claim.npwp is not None
    )
    rules = claim_rules(claim)
    # The claim itself is not an "earlier" partial claim.
    facts = participant_facts(session, participant, excluding_claim=claim.id)
    eligibility = check_eligibility(
        rules, ClaimReason(claim.reason), facts, wib_date(now), claim.employment_end_date
    )
    return TransitionFacts(missing_items=missing, eligibility_code=eligibility.code)


def submit(session: Session, claim: Claim, now: datetime) -> Claim:
    facts = submission_facts(session, claim, now)
    changes = {"submitted_at": claim.submitted_at or now, "last_activity_at": now}
    apply_transition(session, claim, Trigger.submit, APPLICANT, now, facts, changes=changes)
    return claim


def cancel(
    session: Session, claim: Claim, actor: Actor, now: datetime, reason_code: str | None = None
) -> Claim:
    from claims.booking.service import release_booking

    apply_transition(session, claim, Trigger.cancel, actor, now, reason_code=reason_code)
    release_booking(session, claim, "cancelled")
    flush_claim(session)
    return claim


# --- officers -------------------------------------------------------------------------------


def reject(
    session: Session,
    claim: Claim,
    actor: Actor,
    reason_code: str,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Claim:
    apply_transition(
        session,
        claim,
        Trigger.reject,
        actor,
        now,
        TransitionFacts(reason_code=reason_code, note=note),
        reason_code=reason_code,
        note=note,
        expected_version=expected_version,
        changes={"reason_code": reason_code},
    )
    enqueue_notification(
        session, claim, "rejected", now, {"reason_code": reason_code, "note": note or ""}
    )
    flush_claim(session)
    return claim


def approve(
    session: Session,
    claim: Claim,
    actor: Actor,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Payout:
    """Approves the claim and, in the same transaction, creates its one payout and the
    outbox row that will send it."""
    from claims.payouts.service import create_payout, next_payout_reference

    reference = next_payout_reference(session, claim)
    facts = TransitionFacts(verifier_id=claim.verifier_id, interviewer_id=claim.interviewer_id)
    apply_transition(
        session,
        claim,
        Trigger.approve,
        actor,
        now,
        facts,
        note=note,
        data={"payout_reference": reference},
        expected_version=expected_version,
        changes={"approver_id": actor.officer_id},
    )
    payout = create_payout(session, claim, reference, now)
    enqueue_notification(
        session,
        claim,
        "approved",
        now,
        {
            "gross": payout.gross,
            "tax": payout.tax,
            "net": payout.net,
            "reference": payout.reference,
        },
    )
    flush_claim(session)
    return payout
