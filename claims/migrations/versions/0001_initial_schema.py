"""Initial schema: registry, claims with their audit trail, documents, interviews, payouts,
outbox, idempotency keys, and the sandbox and scheduler bookkeeping.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN_STATUSES = (
    "documents_pending",
    "under_review",
    "revision_requested",
    "interview_scheduled",
    "interview_missed",
    "awaiting_approval",
    "approved",
    "payout_failed",
)
OPEN_CLAIM = sa.text("status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES)))


def _ts(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("kpj", sa.String(11), primary_key=True),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("gender", sa.String(1), nullable=False),
        sa.Column("membership_start", sa.Date, nullable=False),
        sa.Column("membership_status", sa.String(10), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("employment_end_date", sa.Date, nullable=True),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("deceased", sa.Boolean, nullable=False),
        sa.Column("jht_paid_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("had_partial_claim", sa.Boolean, nullable=False, server_default=sa.false()),
        _ts("updated_at"),
    )
    op.create_index("ix_participants_nik", "participants", ["nik"])

    op.create_table(
        "branches",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(40), nullable=False),
        sa.Column("opens", sa.String(5), nullable=False),
        sa.Column("closes", sa.String(5), nullable=False),
    )
    op.create_table(
        "branch_closures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("branch_code", sa.String(20), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.UniqueConstraint("branch_code", "day", name="uq_branch_closures_day"),
    )
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("branch_code", sa.String(20), sa.ForeignKey("branches.code"), nullable=True),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        _ts("created_at"),
    )

    op.create_table(
        "claims",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("kpj", sa.String(11), sa.ForeignKey("participants.kpj"), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("branch_code", sa.String(20), sa.ForeignKey("branches.code"), nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("access_token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False, server_default="id"),
        sa.Column("employment_end_date", sa.Date, nullable=True),
        sa.Column("heir_nik", sa.String(16), nullable=True),
        sa.Column("heir_full_name", sa.String(200), nullable=True),
        sa.Column("heir_birth_date", sa.Date, nullable=True),
        sa.Column("heir_relationship", sa.String(20), nullable=True),
        sa.Column("bank_code", sa.String(3), nullable=True),
        sa.Column("account_number", sa.String(16), nullable=True),
        sa.Column("account_holder", sa.String(200), nullable=True),
        sa.Column("npwp", sa.String(16), nullable=True),
        sa.Column("balance_snapshot", sa.BigInteger, nullable=False),
        sa.Column("verifier_id", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("interviewer_id", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("approver_id", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("reschedules_used", sa.Integer, nullable=False, server_default="0"),
        sa.Column("misses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("sla_used_seconds", sa.BigInteger, nullable=False, server_default="0"),
        _ts("sla_running_since", nullable=True),
        _ts("sla_due_at", nullable=True),
        _ts("created_at"),
        _ts("submitted_at", nullable=True),
        _ts("updated_at"),
        _ts("last_activity_at"),
        _ts("expiry_warned_at", nullable=True),
    )
    # One open claim per KPJ, enforced by the database itself.
    op.create_index(
        "uq_claims_open_per_kpj",
        "claims",
        ["kpj"],
        unique=True,
        sqlite_where=OPEN_CLAIM,
        postgresql_where=OPEN_CLAIM,
    )
    op.create_index("ix_claims_kpj_created", "claims", ["kpj", "created_at"])
    # The officer queue walks these in SLA order with a keyset cursor (sla_due_at, id).
    op.create_index(
        "ix_claims_queue_branch", "claims", ["branch_code", "status", "sla_due_at", "id"]
    )
    op.create_index("ix_claims_queue_status", "claims", ["status", "sla_due_at", "id"])
    op.create_index("ix_claims_queue_all", "claims", ["sla_due_at", "id"])
    op.create_index("ix_claims_bank_account", "claims", ["bank_code", "account_number"])
    op.create_index("ix_claims_status_activity", "claims", ["status", "last_activity_at"])

    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("trigger", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(30), nullable=True),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        _ts("at"),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("claim_id", "seq", name="uq_claim_events_seq"),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        _ts("uploaded_at"),
        _ts("reviewed_at", nullable=True),
        sa.UniqueConstraint("claim_id", "doc_type", name="uq_documents_claim_type"),
    )
    op.create_index("ix_documents_storage_key", "documents", ["storage_key"])
    op.create_table(
        "document_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
    )
    op.create_index("ix_document_files_sha256", "document_files", ["sha256"])
    op.create_index("ix_document_files_document", "document_files", ["document_id"])

    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("branch_code", sa.String(20), sa.ForeignKey("branches.code"), nullable=False),
        _ts("starts_at"),
        _ts("ends_at"),
        sa.Column("seat", sa.Integer, nullable=False),
        sa.Column("holds_seat", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("interviewer_id", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("video_url", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome_reason_code", sa.String(40), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        _ts("booked_at"),
        _ts("reminded_24h_at", nullable=True),
        _ts("reminded_1h_at", nullable=True),
    )
    # No double booking: one live booking per branch, slot and seat.
    op.create_index(
        "uq_interviews_seat",
        "interviews",
        ["branch_code", "starts_at", "seat"],
        unique=True,
        sqlite_where=sa.text("holds_seat"),
        postgresql_where=sa.text("holds_seat"),
    )
    op.create_index("ix_interviews_claim", "interviews", ["claim_id"])
    op.create_index("ix_interviews_status_start", "interviews", ["status", "starts_at"])

    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False, unique=True),
        sa.Column("gross", sa.BigInteger, nullable=False),
        sa.Column("tax", sa.BigInteger, nullable=False),
        sa.Column("net", sa.BigInteger, nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("account_number", sa.String(16), nullable=False),
        sa.Column("account_holder", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("live", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("bank_reference", sa.String(64), nullable=True),
        sa.Column("failure_reason", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _ts("created_at"),
        _ts("updated_at"),
    )
    # Exactly one live payout per claim; failed ones stay for the record with live = false.
    op.create_index(
        "uq_payouts_live_per_claim",
        "payouts",
        ["claim_id"],
        unique=True,
        sqlite_where=sa.text("live"),
        postgresql_where=sa.text("live"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=True),
        sa.Column("dedupe_key", sa.String(120), nullable=False, unique=True),
        sa.Column("payload", sa.JSON, nullable=False),
        _ts("created_at"),
        _ts("available_at"),
        sa.Column("locked_by", sa.String(80), nullable=True),
        _ts("locked_until", nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _ts("done_at", nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["kind", "done_at", "available_at"])

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_body", sa.LargeBinary, nullable=True),
        sa.Column("response_headers", sa.JSON, nullable=True),
        _ts("created_at"),
        _ts("expires_at"),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
    )
    op.create_index("ix_idempotency_expires", "idempotency_keys", ["expires_at"])

    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kpj", sa.String(11), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        _ts("at"),
    )
    op.create_index("ix_verification_kpj_at", "verification_attempts", ["kpj", "at"])
    op.create_index("ix_verification_client_at", "verification_attempts", ["client", "at"])

    op.create_table(
        "sandbox_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("offset_seconds", sa.Float, nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        _ts("expires_at"),
    )
    op.create_table(
        "sim_bank_transfers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("account_number", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("bank_reference", sa.String(64), nullable=False),
        sa.Column("requests", sa.Integer, nullable=False, server_default="1"),
        _ts("created_at"),
    )
    op.create_index("ix_sim_bank_reference", "sim_bank_transfers", ["reference"])

    if op.get_bind().dialect.name == "postgresql":
        # The audit trail is append-only even for someone with SQL access to the tables.
        op.execute(
            """
            CREATE FUNCTION claim_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'claim_events is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            """
            CREATE TRIGGER claim_events_no_change
            BEFORE UPDATE OR DELETE ON claim_events
            FOR EACH ROW EXECUTE FUNCTION claim_events_append_only()
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS claim_events_no_change ON claim_events")
        op.execute("DROP FUNCTION IF EXISTS claim_events_append_only()")
    for table in (
        "sim_bank_transfers",
        "scheduler_leases",
        "sandbox_clock",
        "verification_attempts",
        "idempotency_keys",
        "outbox",
        "payouts",
        "interviews",
        "document_files",
        "documents",
        "claim_events",
        "claims",
        "officers",
        "branch_closures",
        "branches",
        "participants",
    ):
        op.drop_table(table)
