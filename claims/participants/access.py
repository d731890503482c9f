"""Who a participant session token belongs to, as the API and the pages ask it: a live session
(not ended, not expired, not idle 30 minutes), whose idle clock moves on as it is used."""

from __future__ import annotations

from claims.repositories.participant_access import SignedIn, live_session, touch_session
from claims.runtime import Runtime
from claims.security import hash_token


def signed_in(runtime: Runtime, token: str | None) -> SignedIn | None:
    """The live session of `token`, or None. Using it moves its idle clock, in a short write
    of its own at most once a minute (claims.repositories.participant_access.TOUCH_EVERY)."""
    if not token:
        return None
    now = runtime.clock.now()
    token_hash = hash_token(token)
    with runtime.db.read_only() as session:
        found = live_session(session, token_hash, now)
    if found is not None and found.touch_due(now):
        with runtime.db.unit_of_work() as session:
            touch_session(session, token_hash, now)
    return found
