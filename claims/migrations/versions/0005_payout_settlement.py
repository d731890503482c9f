"""Manual settlement by two finance officers and the bank's word on each payout: the bank's
last final answer on a payout reference (finance may fail a payout only after the bank said
it refused it or has none), when the bank answered "done" for a payout marked failed (the
alert), and the standing settlement proposal of a payout (who proposed what, when, and who
settled it). Retired payouts get a partial index on their claim: the dispatcher looks them up
before it sends a replacement.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RETIRED = sa.text("NOT live")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("payouts", sa.Column("bank_answer", sa.String(16), nullable=True))
    op.add_column("payouts", _ts("bank_answer_at", nullable=True))
    op.add_column("payouts", _ts("alerted_at", nullable=True))
    op.create_index(
        "ix_payouts_retired_claim",
        "payouts",
        ["claim_id"],
        sqlite_where=RETIRED,
        postgresql_where=RETIRED,
    )
    op.create_table(
        "payout_settlement_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "payout_id", sa.Integer, sa.ForeignKey("payouts.id"), nullable=False, unique=True
        ),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("detail", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("proposed_by", sa.Integer, sa.ForeignKey("officers.id"), nullable=False),
        _ts("proposed_at"),
        sa.Column("settled_by", sa.Integer, sa.ForeignKey("officers.id"), nullable=True),
        _ts("settled_at", nullable=True),
    )


def downgrade() -> None:
    op.drop_table("payout_settlement_proposals")
    op.drop_index("ix_payouts_retired_claim", table_name="payouts")
    with op.batch_alter_table("payouts") as payouts:
        payouts.drop_column("alerted_at")
        payouts.drop_column("bank_answer_at")
        payouts.drop_column("bank_answer")
