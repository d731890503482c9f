"""Opening a claim, as the API and the /apply page both do it: the form check, the attempt
limits, identity verification and creation. This owns its units of work (unlike the services
it calls): a failed verification must be recorded even though the request is refused."""

from __future__ import annotations

from datetime import datetime

from claims.casework.intake import (
    CheckedClaim,
    CreatedClaim,
    NewClaim,
    check_form,
    create_claim,
    identity_not_verified,
    verify_identity,
)
from claims.db import Database, UnitsOfWork
from claims.ratelimits import RateLimiter, limiter_call
from claims.repositories.claims import record_verification_attempt
from workflow.errors import WorkflowError


class _NotVerified(Exception):
    pass


async def open_claim(
    db: Database, new: NewClaim, client: str, limiter: RateLimiter, now: datetime
) -> CreatedClaim:
    """Verifies and creates in one unit of work (`Database.write`: on SQLite grouped with
    other requests' into one commit); the caller builds its answer from what comes back,
    after the commit. Malformed fields (422) are not attempts. Every other attempt takes its
    place in the client's and the KPJ's attempt windows before anything is checked, and keeps
    it: counting after the check let a burst of concurrent guesses all be checked before the
    first failure was counted. A full window answers 429 even to correct details. Every
    verification, passed or failed, is recorded."""
    checked = check_form(new)
    await limiter_call(limiter, limiter.reserve_identity_attempt, checked.kpj, client)
    try:
        return await db.write(lambda units: _verify_and_create(units, checked, client, now))
    except _NotVerified:
        raise identity_not_verified() from None


def _verify_and_create(
    units: UnitsOfWork, checked: CheckedClaim, client: str, now: datetime
) -> CreatedClaim:
    try:
        with units.unit_of_work() as session:
            participant = verify_identity(session, checked)
            if participant is None:
                raise _NotVerified
            record_verification_attempt(session, checked.kpj, client, True, now)
            return create_claim(session, checked, participant, now)
    except _NotVerified:
        with units.unit_of_work() as session:
            record_verification_attempt(session, checked.kpj, client, False, now)
        raise
    except WorkflowError:
        # Verified, but refused (not eligible, an open claim): the attempt still counts.
        with units.unit_of_work() as session:
            record_verification_attempt(session, checked.kpj, client, True, now)
        raise
