"""Opening a claim, as the API and the /apply page both do it: the form check, the attempt
limits, identity verification and creation. This owns its units of work (unlike the services
it calls): a failed verification must be recorded even though the request is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from claims.casework.service import (
    CreatedClaim,
    NewClaim,
    check_form,
    create_claim,
    identity_not_verified,
    record_attempt,
    verify_identity,
)
from claims.db import Database
from workflow.errors import WorkflowError


class AttemptLimiter(Protocol):
    """The failed-verification limits (claims.http.ratelimit.RateLimiter)."""

    def ensure_not_blocked(self, kpj: str, client: str) -> None: ...

    def record_failure(self, kpj: str, client: str) -> None: ...


class _NotVerified(Exception):
    pass


def open_claim(
    db: Database, new: NewClaim, client: str, limiter: AttemptLimiter, now: datetime
) -> CreatedClaim:
    """Verifies and creates in one transaction; the caller builds its answer from what
    comes back, after the commit (the writers' lock is not held for it). Malformed fields
    (422) are not attempts; a blocked KPJ or client waits (429) even with correct details;
    every verification, passed or failed, is recorded."""
    checked = check_form(new)
    limiter.ensure_not_blocked(checked.kpj, client)
    try:
        with db.unit_of_work() as session:
            participant = verify_identity(session, checked)
            if participant is None:
                raise _NotVerified
            record_attempt(session, checked.kpj, client, True, now)
            return create_claim(session, checked, participant, now)
    except _NotVerified:
        with db.unit_of_work() as session:
            record_attempt(session, checked.kpj, client, False, now)
        limiter.record_failure(checked.kpj, client)
        raise identity_not_verified() from None
    except WorkflowError:
        # Verified, but refused (not eligible, an open claim): the attempt still counts.
        with db.unit_of_work() as session:
            record_attempt(session, checked.kpj, client, True, now)
        raise
