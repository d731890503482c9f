"""Opening a claim, the part every creation runs: the form's field checks, identity
verification against the registry, the creation checks (branch, an open claim, eligibility)
and the claim's first row and event. Services flush and never commit: `opening.open_claim`
owns the units of work."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

# HeirInput is NewClaim's heir, so callers building a NewClaim take it from here too.
from claims.casework.claim_fields import HeirInput as HeirInput
from claims.casework.claim_fields import check_claim_fields
from claims.casework.facts import (
    earlier_payments_of,
    facts_of,
    not_eligible,
    nothing_to_claim,
    wib_date,
)
from claims.errors import Conflict, FieldProblem, refusal
from claims.notifications_outbox import notification_rows
from claims.repositories.accounts import account_payouts, lock_person
from claims.repositories.claims import (
    OpenClaimExists,
    Registrant,
    creation_checks,
    insert_new_claim,
    new_claim_row,
    registrant,
)
from claims.repositories.outbox import add_outbox_row
from claims.security import hash_token, new_token
from workflow.account import Statement, account_on
from workflow.audit_chain import chained_event
from workflow.checklist import Checklist, document_checklist
from workflow.eligibility import (
    OPEN_CLAIM_EXISTS,
    check_eligibility,
    claim_end_date,
    creation_refusal,
)
from workflow.flags import creation_flags
from workflow.identifiers import Nik
from workflow.identity import RegisteredIdentity, TypedIdentity, identity_matches
from workflow.money import Estimate, estimate
from workflow.rules import rules_in_force
from workflow.states import CREATE_EVENT_TRIGGER, INITIAL_STATUS, ActorRole, ClaimReason

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class NewClaim:
    """A request to open a claim, as the applicant typed it (the API's body, the /apply form)."""

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
    """Field-level checks (`check_claim_fields`, the apply page's too): 422 naming each
    malformed field. These failures are not counted as verification attempts (api.md:
    malformed requests don't count)."""
    checked = check_claim_fields(
        kpj=request.kpj,
        nik=request.nik,
        phone=request.phone,
        full_name=request.full_name,
        death=request.reason is ClaimReason.death,
        heir=request.heir,
    )
    kpj, nik, phone = checked.kpj, checked.nik, checked.phone
    if checked.errors or kpj is None or nik is None or phone is None:
        raise FieldProblem([{"field": e.field, "message": e.message_en} for e in checked.errors])
    return CheckedClaim(request, kpj, nik, phone, checked.heir_nik)


def verify_identity(session: Session, checked: CheckedClaim) -> Registrant | None:
    """The participant when NIK, KPJ, name, birth date and the NIK's own birth date all agree
    with the registry; None otherwise, without saying which field differed."""
    request = checked.request
    return registered_as(
        session,
        checked.kpj,
        TypedIdentity(checked.nik, request.birth_date, request.full_name),
    )


def registered_as(session: Session, kpj: str, typed: TypedIdentity) -> Registrant | None:
    """The registry's participant of `kpj` when `typed` identifies them (workflow.identity),
    else None: claim creation, signing in and SMS registration all verify here."""
    participant = registrant(session, kpj)
    if participant is None:
        return None
    registered = RegisteredIdentity(participant.nik, participant.full_name, participant.birth_date)
    return participant if identity_matches(registered, typed) else None


def identity_not_verified() -> Exception:
    """The refusal of a failed verification: 422 that does not say which field differed."""
    return refusal(
        "identity_not_verified",
        422,
        "The details do not match our records. Check them against your KPJ card and e-KTP.",
        "Data yang Anda masukkan tidak cocok dengan data kami. Periksa kembali sesuai kartu "
        "peserta dan e-KTP Anda.",
    )


def new_reference(now: datetime) -> str:
    """A claim reference as applicants read it out: JHT-<yymm in Jakarta>-<6 letters/digits>."""
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
    if request.reason.is_partial:
        # One partial claim per person: two at once on two KPJs of one NIK must not both
        # pass the check below.
        lock_person(session, participant.nik)
    branch_known, open_claims, history, other_active = creation_checks(
        session, request.branch_code, participant.kpj, participant.nik
    )
    end = claim_end_date(
        request.reason, participant.employment_end_date, request.employment_end_date
    )
    problems = []
    if not branch_known:
        problems.append(
            {
                "field": "branch_code",
                "message_en": "No branch office with this code.",
                "message_id": "Tidak ada kantor cabang dengan kode ini.",
            }
        )
    if end.problem:
        problems.append(
            {
                "field": "employment_end_date",
                "code": end.problem,
                "message_en": end.message_en,
                "message_id": end.message_id,
            }
        )
    if problems:
        raise FieldProblem(problems)
    had_partial = history.had_partial_claim
    account = account_on(
        Statement(participant.balance, participant.balance_date),
        # The person's history already sums every payout taking money from any of their
        # KPJs (made, or being made): when it is nothing, this KPJ has none to read.
        account_payouts(session, participant.kpj) if history.gross_paid else [],
        today,
    )
    facts = replace(facts_of(participant, had_partial, other_active), balance=account.available)
    end_date = end.value
    eligibility = check_eligibility(rules, request.reason, facts, today, end_date)
    refused = creation_refusal(eligibility, bool(open_claims), account.available)
    if refused is not None:
        if not eligibility.eligible:
            raise not_eligible(eligibility)
        raise open_claim_exists() if refused == OPEN_CLAIM_EXISTS else nothing_to_claim(account)
    token = new_token()
    heir = request.heir
    row = new_claim_row()
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
        flags=creation_flags(end.declared, heir.relationship if heir else None),
        balance_snapshot=account.available,
        reschedules_used=0,
        misses=0,
        sla_used_seconds=0,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    first_event = chained_event(
        row["id"],
        rules.version,
        None,
        trigger=CREATE_EVENT_TRIGGER,
        from_status=None,
        to_status=row["status"],
        actor_role=ActorRole.applicant.value,
        actor_id=None,
        at=now,
        data=creation_data(row, end.declared),
    )
    try:
        insert_new_claim(session, row, first_event)
    except OpenClaimExists:
        raise open_claim_exists() from None
    for message in notification_rows(
        row["id"],
        row["language"],
        row["email"],
        row["phone"],
        row["reference"],
        "claim_created",
        now,
    ):
        add_outbox_row(session, None, message)
    reason = request.reason
    checklist = document_checklist(rules, reason, account.available, had_partial)
    figures = estimate(
        rules, reason, facts, earlier_payments_of(history), False, today, tax_rules=rules
    )
    return CreatedClaim(row, token, checklist, figures)


def creation_data(row: dict[str, Any], declared_end_date: bool) -> dict[str, Any]:
    """The data of a claim's first event: its reason and branch, and `declared_end_date` when
    the employment end date is the applicant's, the registry having none (the verifier checks
    it against the employer's letter; domain.md's flag of that name)."""
    data: dict[str, Any] = {"reason": row["reason"], "branch_code": row["branch_code"]}
    if declared_end_date:
        data["declared_end_date"] = True
    return data


def open_claim_exists() -> Exception:
    """The refusal of a second open claim of one KPJ (409)."""
    return Conflict(
        "This KPJ already has a claim in progress; follow it on the tracking page or cancel it first.",
        "KPJ ini sudah memiliki klaim yang sedang diproses; pantau di halaman lacak atau batalkan dulu.",
        code="open_claim_exists",
    )
