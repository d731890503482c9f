"""Claim creation writes fewer index entries: a new claim has no due date and no bank account
yet, and the indexes that only serve claims with those are made partial, so they get the
claim's entry when it gains them. The officer queue's open-claim pages always filter on a due
date; its pages of a finished status (no due date) get two partial indexes of their own in id
order, which `claims.repositories.queue` matches with the same status list.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HAS_DUE_DATE = sa.text("sla_due_at IS NOT NULL")
HAS_ACCOUNT = sa.text("account_number IS NOT NULL")
# The exact text of repositories.queue.FINISHED_CLAIM: the planners use a partial index only for a query
# that repeats its condition.
FINISHED_CLAIM = sa.text("status IN ('cancelled', 'expired', 'paid', 'rejected')")

QUEUE_INDEXES = {
    "ix_claims_queue_branch": ["branch_code", "status", "sla_due_at", "id"],
    "ix_claims_queue_status": ["status", "sla_due_at", "id"],
    "ix_claims_queue_all": ["sla_due_at", "id"],
    "ix_claims_queue_branch_due": ["branch_code", "sla_due_at", "id"],
}


def _partial(name: str, columns: list[str], where: sa.TextClause) -> None:
    op.create_index(name, "claims", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    for name, columns in QUEUE_INDEXES.items():
        op.drop_index(name, table_name="claims")
        _partial(name, columns, HAS_DUE_DATE)
    op.drop_index("ix_claims_bank_account", table_name="claims")
    _partial("ix_claims_bank_account", ["bank_code", "account_number"], HAS_ACCOUNT)
    _partial("ix_claims_finished_status", ["status", "id"], FINISHED_CLAIM)
    _partial("ix_claims_finished_branch", ["branch_code", "status", "id"], FINISHED_CLAIM)


def downgrade() -> None:
    op.drop_index("ix_claims_finished_branch", table_name="claims")
    op.drop_index("ix_claims_finished_status", table_name="claims")
    op.drop_index("ix_claims_bank_account", table_name="claims")
    op.create_index("ix_claims_bank_account", "claims", ["bank_code", "account_number"])
    for name, columns in QUEUE_INDEXES.items():
        op.drop_index(name, table_name="claims")
        op.create_index(name, "claims", columns)
