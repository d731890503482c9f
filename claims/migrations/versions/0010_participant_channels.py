"""The participants' own channels (issue 17, channels.md): signing in with a one-time code
(`participant_challenges`, `participant_sessions`), and SMS 2757 (`sms_registrations`, the
phones registered for a KPJ's balance, and `sms_inbound`, each message of the aggregator once).
Outgoing SMS go through the existing `outbox` (kind `sms`).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant_challenges",
        sa.Column("id", sa.String(36), primary_key=True),
        # `participant`: the KPJ's owner signs in; `heir`: an heir opens one death claim.
        sa.Column("purpose", sa.String(12), nullable=False),
        sa.Column("kpj", sa.String(11), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("tries_left", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "participant_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(12), nullable=False),
        sa.Column("kpj", sa.String(11), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "sms_registrations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("kpj", sa.String(11), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("phone", "kpj", name="uq_sms_registrations_phone_kpj"),
    )
    op.create_table(
        "sms_inbound",
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("sender", sa.String(20), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("command", sa.String(20), nullable=False),
        sa.Column("reply", sa.String(400), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sms_inbound")
    op.drop_table("sms_registrations")
    op.drop_table("participant_sessions")
    op.drop_table("participant_challenges")
