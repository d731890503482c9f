"""Typed SQLAlchemy models. The schema itself comes only from the Alembic migrations;
these classes map onto it (tests check that the two agree)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from claims.clock import as_utc
from workflow.document_lifecycle import DocumentStatus
from workflow.interview_lifecycle import InterviewStatus
from workflow.payout_lifecycle import (
    BankAnswer,
    BankTransferStatus,
    PayoutStatus,
    SettlementAction,
)
from workflow.states import ClaimStatus

E = TypeVar("E", bound=StrEnum)


def status_column(statuses: type[E], length: int) -> Mapped[E]:
    """A status stored as its value in a VARCHAR (as the migrations create it) and read back
    as the enum; a value outside the enum is refused before it reaches the database."""
    return mapped_column(
        Enum(
            statuses,
            native_enum=False,
            create_constraint=False,
            length=length,
            validate_strings=True,
            values_callable=lambda members: [member.value for member in members],
        )
    )


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes (SQLite has no
    time zones, PostgreSQL has timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Participant(Base):
    """A row of the participant registry, keyed by KPJ (domain.md)."""

    __tablename__ = "participants"

    kpj: Mapped[str] = mapped_column(String(11), primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1))
    membership_start: Mapped[date] = mapped_column(Date)
    membership_status: Mapped[str] = mapped_column(String(10))
    employer_name: Mapped[str] = mapped_column(String(200))
    employment_end_date: Mapped[date | None] = mapped_column(Date)
    # The statement balance of the JHT account on `balance_date` (domain.md, "The JHT
    # account"); the account on another day is workflow.account's computation.
    balance: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))
    deceased: Mapped[bool] = mapped_column(Boolean)
    balance_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime]


class Branch(Base):
    __tablename__ = "branches"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(40))
    opens: Mapped[str] = mapped_column(String(5))  # HH:MM local time
    closes: Mapped[str] = mapped_column(String(5))


class BranchClosure(Base):
    __tablename__ = "branch_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branches.code"))
    roles: Mapped[str] = mapped_column(String(200))  # space-separated role names
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())


class OfficerEvent(Base):
    """Append-only audit of officers and their tokens (claims.registry.officers): added,
    deactivated, token_rotated; `by` is who ran the command. Never a token or its hash."""

    __tablename__ = "officer_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    action: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    kpj: Mapped[str] = mapped_column(ForeignKey("participants.kpj"))
    reason: Mapped[str] = mapped_column(String(30))
    status: Mapped[ClaimStatus] = status_column(ClaimStatus, 30)
    version: Mapped[int] = mapped_column(Integer)
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    rules_version: Mapped[str] = mapped_column(String(40))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="id")
    employment_end_date: Mapped[date | None] = mapped_column(Date)
    heir_nik: Mapped[str | None] = mapped_column(String(16))
    heir_full_name: Mapped[str | None] = mapped_column(String(200))
    heir_birth_date: Mapped[date | None] = mapped_column(Date)
    heir_relationship: Mapped[str | None] = mapped_column(String(20))
    bank_code: Mapped[str | None] = mapped_column(String(3))
    account_number: Mapped[str | None] = mapped_column(String(16))
    account_holder: Mapped[str | None] = mapped_column(String(200))
    npwp: Mapped[str | None] = mapped_column(String(16))
    balance_snapshot: Mapped[int] = mapped_column(BigInteger)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    reschedules_used: Mapped[int] = mapped_column(Integer, default=0)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    sla_used_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    sla_running_since: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    expiry_warned_at: Mapped[datetime | None]
    # The applicant asked to be interviewed at the branch instead of by video (no data for a
    # video call): when, and their short reason; NULL while not asked.
    branch_interview_requested_at: Mapped[datetime | None]
    branch_interview_reason: Mapped[str | None] = mapped_column(String(300))
    # What an officer should look at twice (workflow.flags), sorted: computed when the facts
    # change (claim created, bank account set, upload stored) and stored for the queue.
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)

    __mapper_args__ = {"version_id_col": version}


class ClaimEvent(Base):
    """Append-only audit trail, chained by hash (workflow.md, Audit trail)."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime]
    reason_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    rules_version: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Document(Base):
    """The one merged PDF per claim and document type."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    doc_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[DocumentStatus] = status_column(DocumentStatus, 20)
    storage_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    uploaded_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]


class DocumentFile(Base):
    """One original uploaded file behind a document, kept by hash for the fraud flag, with
    its display name, its own sanitised PDF and its page count (None for files uploaded
    before migration 0013 that shared their document with others)."""

    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str | None] = mapped_column(String(200))
    storage_key: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branches.code"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    seat: Mapped[int] = mapped_column(Integer)
    # True while this booking occupies its seat; a unique index on (branch, start, seat)
    # over the rows holding a seat is what makes double booking impossible.
    holds_seat: Mapped[bool] = mapped_column(Boolean, default=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    video_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[InterviewStatus] = status_column(InterviewStatus, 20)
    outcome_reason_code: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    booked_at: Mapped[datetime]
    reminded_24h_at: Mapped[datetime | None]
    reminded_1h_at: Mapped[datetime | None]


class Payout(Base):
    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    gross: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(16))
    account_holder: Mapped[str] = mapped_column(String(200))
    # workflow.payout_lifecycle: pending -> (sent | unknown) -> paid | failed
    status: Mapped[PayoutStatus] = status_column(PayoutStatus, 20)
    # True while this payout is the claim's live one: a unique index over the live rows
    # gives "exactly one payout per claim" while keeping failed ones for the record.
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the transfer was confirmed (by the bank, or settled by two finance officers): the
    # JHT account subtracts the payouts confirmed after its statement's day.
    paid_at: Mapped[datetime | None]
    # The bank's last final word on this reference (a transfer's answer or an inquiry's),
    # cleared whenever the payout is sent again; finance may fail a payout only after
    # `refused` or `not_found`.
    bank_answer: Mapped[BankAnswer | None] = status_column(BankAnswer, 16)
    bank_answer_at: Mapped[datetime | None]
    # When the bank answered "done" for this payout while it was marked failed (the alert).
    alerted_at: Mapped[datetime | None]


class PayoutSettlementProposal(Base):
    """Finance's manual settlement waiting for a second finance officer: one standing
    proposal per payout (who proposed what, when), settled by another officer's identical
    call (workflow.payout_lifecycle.settlement_step)."""

    __tablename__ = "payout_settlement_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), unique=True)
    action: Mapped[SettlementAction] = status_column(SettlementAction, 10)
    detail: Mapped[str] = mapped_column(String(64))  # bank reference, or reason code
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    proposed_at: Mapped[datetime]
    settled_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    settled_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """Side effects that leave the process (bank transfers, mail), written in the same
    transaction as the change that causes them and carried out after commit."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))  # payout, notification
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id"))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))  # hash of the credential, or client address
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))  # in_flight, done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class VerificationAttempt(Base):
    """Every identity verification attempt, kept for the audit and the failure limits."""

    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpj: Mapped[str] = mapped_column(String(11))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class ParticipantChallenge(Base):
    """A one-time sign-in code on its way to the registry's email and phone (channels.md):
    only its hash is kept; good until `expires_at`, once, for `tries_left` wrong codes."""

    __tablename__ = "participant_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(12))  # participant, heir
    kpj: Mapped[str] = mapped_column(String(11))
    nik: Mapped[str] = mapped_column(String(16))  # who signs in: the participant or the heir
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    tries_left: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ParticipantSession(Base):
    """A signed-in participant (every claim of the person's KPJs) or heir (one death claim),
    keyed by the hash of its bearer token; idle and absolute expiry (channels.md)."""

    __tablename__ = "participant_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(12))
    kpj: Mapped[str] = mapped_column(String(11))
    nik: Mapped[str] = mapped_column(String(16))
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class SmsRegistration(Base):
    """A phone registered by SMS (`DAFTAR SALDO`) for one KPJ's balance."""

    __tablename__ = "sms_registrations"
    __table_args__ = (UniqueConstraint("phone", "kpj", name="uq_sms_registrations_phone_kpj"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(20))
    kpj: Mapped[str] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(254))
    message_id: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime]


class SmsInbound(Base):
    """Each inbound SMS of the aggregator, once: a replayed `message_id` is answered from
    here and does nothing more."""

    __tablename__ = "sms_inbound"

    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    sender: Mapped[str] = mapped_column(String(20))
    request_hash: Mapped[str] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(String(20))
    reply: Mapped[str] = mapped_column(String(400))
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime]


class SandboxClock(Base):
    __tablename__ = "sandbox_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_seconds: Mapped[float]
    updated_at: Mapped[datetime]


class SchedulerLease(Base):
    """Who runs the scheduler: one row per lease name, held until it expires."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]


class SimulatedBankTransfer(Base):
    """The sandbox bank's own ledger, so tests can count transfers."""

    __tablename__ = "sim_bank_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40))
    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[BankTransferStatus] = status_column(BankTransferStatus, 20)
    bank_reference: Mapped[str] = mapped_column(String(64))
    requests: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]


class JobRun(Base):
    """A once-only run of a scheduled job: the unique `run_key` lets a job claim a piece of
    work exactly once, whichever process runs it (claims.repositories.scheduler.claim_run)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_name: Mapped[str] = mapped_column(String(80))
    run_key: Mapped[str] = mapped_column(String(200), unique=True)
    holder: Mapped[str] = mapped_column(String(120))
    ran_at: Mapped[datetime]


class ApschedulerJob(Base):
    """APScheduler's persistent job store (its own pickled state); mapped only so the schema
    check and the test wipe know the table. Only APScheduler reads or writes it."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[float | None]
    job_state: Mapped[bytes] = mapped_column(LargeBinary)
