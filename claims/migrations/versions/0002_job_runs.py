"""Scheduler bookkeeping: `job_runs` (once-only run keys, so a job can prove it ran once) and
`apscheduler_jobs` (APScheduler's persistent job store, created here so the migrations stay the
only source of the schema; APScheduler finds it and does not create its own).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_name", sa.String(80), nullable=False),
        sa.Column("run_key", sa.String(200), nullable=False, unique=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The same shape APScheduler 3's SQLAlchemyJobStore declares (id, next_run_time, job_state).
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_table("job_runs")
