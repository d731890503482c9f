"""What the operators' probes read: whether the database answers (startup, /healthz), and the
claim gauges of /metrics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from claims.db import Database
from claims.models import Claim
from scheduling.sla import SLA_RUNNING_STATUSES


class ClaimGauges(NamedTuple):
    by_status: dict[str, int]  # status value -> claims; statuses without claims are absent
    sla_at_risk: int  # SLA clock running, due within the window
    sla_breached: int  # SLA clock running, past due


def ping(db: Database) -> None:
    """Runs `SELECT 1`; raises the driver's error when the database does not answer."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


def claim_gauges(db: Database, now: datetime, at_risk_window: timedelta) -> ClaimGauges:
    """Claims by status, and those whose running SLA clock is due within `at_risk_window`
    of `now` or already past it."""
    running = Claim.status.in_(sorted(SLA_RUNNING_STATUSES))
    with db.read_only() as session:
        rows = session.execute(select(Claim.status, func.count()).group_by(Claim.status))
        by_status = {str(status): int(count) for status, count in rows}
        breached = session.scalar(select(func.count()).where(running, Claim.sla_due_at <= now))
        at_risk = session.scalar(
            select(func.count()).where(
                running,
                Claim.sla_due_at > now,
                Claim.sla_due_at <= now + at_risk_window,
            )
        )
    return ClaimGauges(by_status, int(at_risk or 0), int(breached or 0))
