"""The officer queue of one branch across all open statuses: (branch_code, sla_due_at, id), so
a branch-only filter walks the index in SLA order instead of sorting the branch's claims.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claims_queue_branch_due", "claims", ["branch_code", "sla_due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_claims_queue_branch_due", table_name="claims")
