"""The JHT account and the claim's flags (issue 15).

- `participants.balance_date`: the day of the registry's statement balance (domain.md, "The
  JHT account"); rows imported before it get the day they were imported.
- `payouts.paid_at`: when the bank confirmed the transfer (or two finance officers settled it);
  the account subtracts payouts confirmed after the statement's day. Payouts already paid get
  the time of their last change, which was their confirmation.
- `claims.flags`: what an officer should look at twice, computed when the facts change and
  stored, so the queue reads them with its page.
- `participants.jht_paid_total` and `had_partial_claim` go: the account and the person's
  history are computed from the payouts and claims themselves, and nothing read them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as participants:
        participants.add_column(sa.Column("balance_date", sa.Date, nullable=True))
        participants.drop_column("jht_paid_total")
        participants.drop_column("had_partial_claim")
    op.execute(
        "UPDATE participants SET balance_date = CAST(updated_at AS DATE)"
        if op.get_context().dialect.name == "postgresql"
        else "UPDATE participants SET balance_date = date(updated_at)"
    )
    with op.batch_alter_table("participants") as participants:
        participants.alter_column("balance_date", existing_type=sa.Date, nullable=False)
    op.add_column("payouts", sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE payouts SET paid_at = updated_at WHERE status = 'paid'")
    op.add_column(
        "claims", sa.Column("flags", sa.JSON, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    with op.batch_alter_table("claims") as claims:
        claims.drop_column("flags")
    with op.batch_alter_table("payouts") as payouts:
        payouts.drop_column("paid_at")
    with op.batch_alter_table("participants") as participants:
        participants.add_column(
            sa.Column("had_partial_claim", sa.Boolean, nullable=False, server_default=sa.false())
        )
        participants.add_column(
            sa.Column("jht_paid_total", sa.BigInteger, nullable=False, server_default="0")
        )
        participants.drop_column("balance_date")
