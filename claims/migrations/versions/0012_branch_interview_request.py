"""An applicant's request to be interviewed at the branch instead of by video (issue 18: for
someone without data for a video call): when it was asked and the applicant's short reason,
on the claim, so that it outlives a rebooking. Both NULL while nothing was asked.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on both databases, no table rebuild.
    op.add_column(
        "claims",
        sa.Column("branch_interview_requested_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("claims", sa.Column("branch_interview_reason", sa.String(300), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN on both databases (SQLite since 3.35): a batch rebuild of `claims`
    # would drop the table that every other table's foreign keys point at.
    op.drop_column("claims", "branch_interview_reason")
    op.drop_column("claims", "branch_interview_requested_at")
