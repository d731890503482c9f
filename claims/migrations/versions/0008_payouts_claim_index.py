"""An index on `payouts.claim_id`, for every payout of a claim whatever its state: the JHT
account reads a KPJ's payouts on every approval and estimate (its claims by
ix_claims_kpj_created, then their payouts), and the count that numbers a claim's next payout
reads them too. The partial indexes on live and retired payouts serve only statements that
repeat their predicate; without this one SQLite scanned the payouts table, so each approval
cost time in proportion to all the payouts ever made.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payouts_claim", "payouts", ["claim_id"])


def downgrade() -> None:
    op.drop_index("ix_payouts_claim", table_name="payouts")
