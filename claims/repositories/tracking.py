"""Public tracking's read model: the claims of a KPJ, newest first, with nothing personal.
The hottest public lookup: one indexed query (ix_claims_kpj_created), compiled once."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select

from claims.db import Database
from claims.models import Claim
from claims.repositories._stored_times import stored_utc
from workflow.states import ClaimStatus

_CLAIMS_OF_KPJ = (
    select(Claim.reference, Claim.reason, Claim.status, Claim.updated_at)
    .where(Claim.kpj == bindparam("kpj"))
    .order_by(Claim.created_at.desc())
    .limit(20)
)


class TrackedClaim(NamedTuple):
    reference: str
    reason: str
    status: ClaimStatus
    updated_at: datetime


def tracked_claims(db: Database, kpj: str) -> list[TrackedClaim]:
    """The last 20 claims of a KPJ, newest first (an unknown KPJ has none). On SQLite fast
    enough to run on the event loop (`Database.quick_rows`)."""
    return [
        TrackedClaim(reference, reason, ClaimStatus(status), stored_utc(updated_at))
        for reference, reason, status, updated_at in db.quick_rows(_CLAIMS_OF_KPJ, {"kpj": kpj})
    ]
