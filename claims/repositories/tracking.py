"""Public tracking's read model: the claims of a KPJ, newest first, with nothing personal.
The hottest public lookup: one indexed query (ix_claims_kpj_created), compiled once. A claim
waiting for its interview also brings the booked time and the branch's zone (a time is not
personal), read by subqueries of the same statement only for such a claim."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, select, text

from claims.db import Database
from claims.models import Branch, Claim, Interview
from claims.repositories._stored_times import stored_utc
from workflow.interview_lifecycle import InterviewStatus
from workflow.states import ClaimStatus


def _booked(column: Any) -> Any:
    """`column` of the claim's live booking (ix_interviews_claim), only while the claim waits
    for the interview: the CASE never runs the subquery for any other claim."""
    live = (
        select(column)
        .where(
            Interview.claim_id == Claim.id,
            text("interviews.holds_seat"),
            Interview.status == InterviewStatus.booked,
        )
        .order_by(Interview.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((Claim.status == ClaimStatus.interview_scheduled, live))


_CLAIMS_OF_KPJ = (
    select(
        Claim.reference,
        Claim.reason,
        Claim.status,
        Claim.updated_at,
        _booked(Interview.starts_at),
        _booked(Interview.ends_at),
        case(
            (
                Claim.status == ClaimStatus.interview_scheduled,
                select(Branch.timezone).where(Branch.code == Claim.branch_code).scalar_subquery(),
            )
        ),
    )
    .where(Claim.kpj == bindparam("kpj"))
    .order_by(Claim.created_at.desc())
    .limit(20)
)


class TrackedInterview(NamedTuple):
    starts_at: datetime
    ends_at: datetime
    timezone: str


class TrackedClaim(NamedTuple):
    reference: str
    reason: str
    status: ClaimStatus
    updated_at: datetime
    interview: TrackedInterview | None = None


def tracked_claims(db: Database, kpj: str) -> list[TrackedClaim]:
    """The last 20 claims of a KPJ, newest first (an unknown KPJ has none). On SQLite fast
    enough to run on the event loop (`Database.quick_rows`)."""
    return [
        TrackedClaim(
            reference,
            reason,
            ClaimStatus(status),
            stored_utc(updated_at),
            TrackedInterview(stored_utc(starts_at), stored_utc(ends_at), timezone)
            if starts_at is not None and ends_at is not None and timezone
            else None,
        )
        for reference, reason, status, updated_at, starts_at, ends_at, timezone in db.quick_rows(
            _CLAIMS_OF_KPJ, {"kpj": kpj}
        )
    ]
