"""Test data built through the product's own code: samples imported by the real importer,
officers created by the real service. Only `attach_documents_directly` stands in for the
upload pipeline, for casework tests that are not about documents."""

from __future__ import annotations

import csv
import hashlib
import uuid
from calendar import isleap
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from claims.casework.applicant import set_bank_account, set_npwp, submit
from claims.casework.facts import claim_checklist, claim_participant, get_claim
from claims.casework.intake import (
    CreatedClaim,
    HeirInput,
    NewClaim,
    check_form,
    create_claim,
    verify_identity,
)
from claims.db import Database
from claims.models import Claim, Document, Participant
from claims.registry.csv_rows import PARTICIPANT_COLUMNS
from claims.registry.importer import import_branches, import_participants
from claims.registry.officers import add_officer
from claims.sample_data import participant_rows, write_samples
from workflow.rules import rules_in_force
from workflow.states import Actor, ActorRole, ClaimReason

SAMPLE_DAY = date(2026, 11, 16)  # a Monday
# 03:00 UTC is 10:00 in Jakarta: claims made on SAMPLE_DAY
NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)
# The development rate the account uses in 2026: none is declared yet, so the last declared
# one (workflow.rules.DECLARED_DEVELOPMENT_RATES), 5.63%.
RATE_2026_BP = 563


def developed(balance: int, since: datetime, on: datetime, rate_bp: int = RATE_2026_BP) -> int:
    """`balance` stated on `since`'s Jakarta day, with its development until `on`'s, both in
    one calendar year of 365 days: domain.md's rule (pro rata per day, rounded down) written
    out by hand, apart from workflow.account, as the figure a test expects."""
    jakarta = ZoneInfo("Asia/Jakarta")
    start, end = since.astimezone(jakarta).date(), on.astimezone(jakarta).date()
    assert start.year == end.year and not isleap(start.year), "one calendar year of 365 days"
    return balance + balance * rate_bp * (end - start).days // (10_000 * 365)


def flat_tax(gross: int, earlier: int = 0) -> int:
    """The tax of a lump sum with NPWP after `earlier` in the same window: 5% above the
    Rp 50 juta band, rounded down."""
    return max(0, gross - max(0, 50_000_000 - earlier)) * 5 // 100


def load_samples(db: Database, folder: Path, today: date = SAMPLE_DAY) -> None:
    write_samples(folder, today)
    import_branches(db, folder / "branches.csv", NOW)
    report = import_participants(db, folder / "participants.csv", NOW)
    assert report.ok, report.bad


def sample(label_part: str, today: date = SAMPLE_DAY) -> dict[str, str]:
    """The sample participant whose case label contains `label_part`."""
    for row in participant_rows(today):
        if label_part in row["_label"]:
            return row
    raise KeyError(label_part)


@dataclass(frozen=True)
class Staff:
    verifier: Actor
    interviewer: Actor
    approver: Actor
    finance: Actor
    tokens: dict[str, str]


def add_staff(db: Database, branch: str, now: datetime = NOW) -> Staff:
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    with db.unit_of_work() as session:
        for role in ("verifier", "interviewer", "approver", "finance"):
            officer, token = add_officer(session, f"{role} {branch}", branch, [role], now)
            ids[role], tokens[role] = officer.id, token
    return Staff(
        verifier=Actor(ActorRole.verifier, ids["verifier"]),
        interviewer=Actor(ActorRole.interviewer, ids["interviewer"]),
        approver=Actor(ActorRole.approver, ids["approver"]),
        finance=Actor(ActorRole.finance, ids["finance"]),
        tokens=tokens,
    )


def new_claim_request(row: dict[str, str], reason: ClaimReason, **changes: object) -> NewClaim:
    values: dict[str, object] = {
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": date.fromisoformat(row["birth_date"]),
        "reason": reason,
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
    }
    if reason is ClaimReason.death and "heir" not in changes:
        values["heir"] = HeirInput(
            "3171015503900001", "Ahli Waris Contoh", date(1990, 3, 15), "spouse"
        )
    values.update(changes)
    return NewClaim(**values)  # type: ignore[arg-type]


def create(db: Database, request: NewClaim, now: datetime = NOW) -> CreatedClaim:
    with db.unit_of_work() as session:
        checked = check_form(request)
        participant = verify_identity(session, checked)
        assert participant is not None, "identity did not verify"
        return create_claim(session, checked, participant, now)


def attach_documents_directly(db: Database, claim_id: str, now: datetime = NOW) -> list[str]:
    """Stands in for uploads: one row per required document, content not involved."""
    with db.unit_of_work() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        checklist = claim_checklist(session, claim, claim_participant(session, claim))
        types = [doc.value for doc in checklist.required]
        for doc_type in types:
            digest = hashlib.sha256(f"{claim_id}:{doc_type}".encode()).hexdigest()
            session.add(
                Document(
                    claim_id=claim_id,
                    doc_type=doc_type,
                    status="uploaded",
                    storage_key=digest,
                    sha256=digest,
                    size_bytes=1000,
                    pages=1,
                    uploaded_at=now,
                )
            )
    return types


def submit_directly(
    db: Database,
    claim_id: str,
    holder: str,
    now: datetime = NOW,
    *,
    account: str = "1234567890",
) -> list[str]:
    """The applicant's part up to `under_review`: a bank account in `holder`'s name, an NPWP,
    the required documents as rows (`attach_documents_directly`), submit. Answers the
    document types attached."""
    with db.unit_of_work() as session:
        claim = get_claim(session, claim_id)
        set_bank_account(session, claim, "014", account, holder, now)
        set_npwp(session, claim, "01.234.567.8-901.000", now)
    types = attach_documents_directly(db, claim_id, now)
    with db.unit_of_work() as session:
        submit(session, get_claim(session, claim_id), now)
    return types


def participant(db: Database, kpj: str) -> Participant:
    with db.read_only() as session:
        found = session.scalar(select(Participant).where(Participant.kpj == kpj))
        assert found is not None
        return found


def bare_claim_row(
    kpj: str,
    branch_code: str,
    status: str,
    now: datetime = NOW,
    *,
    reason: str = "resignation",
    balance: int = 10_000_000,
) -> dict[str, object]:
    """The columns of a claim written straight to the table (no identity check, no event):
    for tests about seats or history that need many claims or a status reached by no
    request. Unique id, reference and token hash each call."""
    token = uuid.uuid4().hex
    return {
        "id": str(uuid.uuid4()),
        "reference": f"JHT-T-{token[:12]}",
        "kpj": kpj,
        "reason": reason,
        "status": status,
        "version": 1,
        "branch_code": branch_code,
        "rules_version": rules_in_force(now.date()).version,
        "access_token_hash": token + token,
        "email": "uji@contoh.id",
        "phone": "+6281200000000",
        "language": "id",
        "balance_snapshot": balance,
        "reschedules_used": 0,
        "misses": 0,
        "sla_used_seconds": 0,
        "created_at": now,
        "updated_at": now,
        "last_activity_at": now,
    }


def registry_reporting_deaths(
    path: Path, deceased_kpjs: set[str], today: date = SAMPLE_DAY
) -> Path:
    """The samples' registry as a participant CSV file in which the KPJs `deceased_kpjs` are
    now reported deceased (the others as the samples have them)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PARTICIPANT_COLUMNS)
        for row in participant_rows(today):
            dead = row["kpj"] in deceased_kpjs or row["deceased"] == "true"
            writer.writerow([row[c] for c in PARTICIPANT_COLUMNS[:-1]] + [str(dead).lower()])
    return path
