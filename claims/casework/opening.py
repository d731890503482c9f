"""Identity attempts, as opening a claim (the API and the /apply page), signing in and
registering a phone by SMS all make them: the attempt limits, verification against the
registry and the work it unlocks. This owns its units of work (unlike the services it calls):
a failed verification must be recorded even though the request is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from claims.casework.intake import (
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

T = TypeVar("T")


class _NotVerified(Exception):
    pass


async def open_claim(
    db: Database, new: NewClaim, client: str, limiter: RateLimiter, now: datetime
) -> CreatedClaim:
    """Verifies and creates in one unit of work (`Database.write`: on SQLite grouped with
    other requests' into one commit); the caller builds its answer from what comes back,
    after the commit. Malformed fields (422) are not attempts."""
    checked = check_form(new)

    def verify_and_create(session: Session) -> CreatedClaim | None:
        participant = verify_identity(session, checked)
        return None if participant is None else create_claim(session, checked, participant, now)

    return await identity_attempt(db, limiter, checked.kpj, client, now, verify_and_create)


async def identity_attempt(
    db: Database,
    limiter: RateLimiter,
    kpj: str,
    client: str,
    now: datetime,
    verify_then: Callable[[Session], T | None],
) -> T:
    """One identity attempt on `kpj` from `client`. It takes its place in the client's and
    the KPJ's attempt windows before anything is checked, and keeps it: counting after the
    check let a burst of concurrent guesses all be checked before the first failure was
    counted. A full window answers 429 even to correct details. `verify_then` verifies
    (None: the details do not match, 422 `identity_not_verified`) and does the work the
    identity unlocks, in the same unit of work. Every verification, passed or failed, is
    recorded; a refusal after a passed verification (not eligible, an open claim) counts as
    passed."""
    await limiter_call(limiter, limiter.reserve_identity_attempt, kpj, client)
    try:
        return await db.write(
            lambda units: _verify_and_record(units, kpj, client, now, verify_then)
        )
    except _NotVerified:
        raise identity_not_verified() from None


def _verify_and_record(
    units: UnitsOfWork,
    kpj: str,
    client: str,
    now: datetime,
    verify_then: Callable[[Session], T | None],
) -> T:
    try:
        with units.unit_of_work() as session:
            done = verify_then(session)
            if done is None:
                raise _NotVerified
            record_verification_attempt(session, kpj, client, True, now)
            return done
    except _NotVerified:
        with units.unit_of_work() as session:
            record_verification_attempt(session, kpj, client, False, now)
        raise
    except WorkflowError:
        with units.unit_of_work() as session:
            record_verification_attempt(session, kpj, client, True, now)
        raise
