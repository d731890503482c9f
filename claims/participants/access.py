"""Who a participant session token belongs to, as the API and the pages ask it: a live session
(not ended, not expired, not idle 30 minutes), whose idle clock moves on as it is used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import anyio

from claims.db import Database
from claims.repositories.participant_access import (
    SignedIn,
    live_session,
    quick_live_session,
    touch_session,
)
from claims.runtime import Runtime
from claims.security import hash_token

T = TypeVar("T")


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
        _touch(runtime, token_hash, now)
    return found


async def signed_in_quickly(runtime: Runtime, token: str | None) -> SignedIn | None:
    """`signed_in` for the routes (every request of a signed-in participant): on SQLite the
    lookup runs on the event loop, one compiled statement shorter than a thread hop."""
    found, _ = await signed_in_reading(runtime, token, _session_alone)
    return found


async def signed_in_reading(
    runtime: Runtime,
    token: str | None,
    read: Callable[[Database, str, datetime], tuple[SignedIn | None, T | None]],
) -> tuple[SignedIn | None, T | None]:
    """The live session of `token` and what `read` reads with it in one snapshot
    (`read(db, token_hash, now)` answers the live session or None, and its reading). On
    SQLite the read runs on the event loop, other databases' in a thread; the touch, at
    most once a minute (as `signed_in`), in a thread."""
    if not token:
        return None, None
    now = runtime.clock.now()
    token_hash = hash_token(token)
    if runtime.db.is_sqlite:
        found, reading = read(runtime.db, token_hash, now)
    else:
        found, reading = await anyio.to_thread.run_sync(read, runtime.db, token_hash, now)
    if found is not None and found.touch_due(now):
        await anyio.to_thread.run_sync(_touch, runtime, token_hash, now)
    return found, reading


def _session_alone(db: Database, token_hash: str, now: datetime) -> tuple[SignedIn | None, None]:
    return quick_live_session(db, token_hash, now), None


def _touch(runtime: Runtime, token_hash: str, now: datetime) -> None:
    with runtime.db.unit_of_work() as session:
        touch_session(session, token_hash, now)
