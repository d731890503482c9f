"""The scheduler lease: at most one holder at a time, renewal, expiry and takeover."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from claims.db import Database
from claims.jobs.lease import Lease
from claims.models import SchedulerLease

TTL = timedelta(seconds=15)
START = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


class FakeWallClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def lease(db: Database, holder: str, wall: FakeWallClock) -> Lease:
    return Lease(db, holder=holder, ttl=TTL, wall_clock=wall)


@pytest.mark.parametrize(
    ("seconds_later", "b_gets_it"),
    [
        (0, False),
        (14, False),
        (16, True),  # A's lease has expired: B takes over
    ],
)
def test_second_holder_waits_for_expiry(db: Database, seconds_later: int, b_gets_it: bool) -> None:
    wall = FakeWallClock()
    a, b = lease(db, "a", wall), lease(db, "b", wall)
    assert a.acquire()
    wall.now = START + timedelta(seconds=seconds_later)
    assert b.acquire() is b_gets_it
    assert a.holds() is not b_gets_it
    assert b.holds() is b_gets_it
    assert a.current_holder() == ("b" if b_gets_it else "a")


def test_renewal_keeps_the_lease_beyond_the_first_ttl(db: Database) -> None:
    wall = FakeWallClock()
    a, b = lease(db, "a", wall), lease(db, "b", wall)
    assert a.acquire()
    for step in range(1, 6):
        wall.now = START + timedelta(seconds=10 * step)
        assert a.acquire()
        assert not b.acquire()
    with db.read_only() as session:
        expires_at = session.scalar(select(SchedulerLease.expires_at))
    assert expires_at == START + timedelta(seconds=50) + TTL


def test_a_leader_paused_past_its_ttl_cannot_renew_after_a_takeover(db: Database) -> None:
    wall = FakeWallClock()
    a, b = lease(db, "a", wall), lease(db, "b", wall)
    assert a.acquire()
    wall.now = START + TTL + timedelta(seconds=1)
    assert b.acquire()
    assert not a.acquire()
    assert not a.holds()


def test_release_lets_a_standby_in_at_once(db: Database) -> None:
    wall = FakeWallClock()
    a, b = lease(db, "a", wall), lease(db, "b", wall)
    assert a.acquire()
    b.release()  # not the holder: changes nothing
    assert a.holds()
    a.release()
    assert not a.holds()
    assert b.acquire()


def test_racing_processes_elect_exactly_one(db: Database) -> None:
    # Fresh table: the first use INSERTs, so this races on the primary key as well.
    contenders = [Lease(db, holder=f"h{n}") for n in range(8)]
    results: list[bool] = []
    gate = threading.Barrier(len(contenders))

    def contend(candidate: Lease) -> None:
        gate.wait()
        results.append(candidate.acquire())

    threads = [threading.Thread(target=contend, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    winners = [c.holder for c in contenders if c.holds()]
    assert len(winners) == 1
