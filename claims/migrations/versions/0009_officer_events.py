"""The officers' audit (issue 16, item 4): `officer_events`, one append-only row per officer
added, deactivated or given a new token, with who ran the command. Claim events belong to a
claim's hash chain; an officer's changes have no claim, so they get their own table.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("officer_id", sa.Integer, sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_officer_events_officer", "officer_events", ["officer_id"])


def downgrade() -> None:
    op.drop_index("ix_officer_events_officer", table_name="officer_events")
    op.drop_table("officer_events")
