"""The group commit (claims.db.GroupCommitWriter) on a real database, SQLite or PostgreSQL:
works grouped into one commit, each as atomic as its own transaction, nobody answered before
the commit, and a failed commit failing every work of its batch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from claims.db import Database, GroupCommitWriter, UnitsOfWork
from claims.models import VerificationAttempt
from tests.concurrency import run_in_own_loop

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


class Refused(Exception):
    pass


def attempt(units: UnitsOfWork, kpj: str) -> str:
    with units.unit_of_work() as session:
        session.add(VerificationAttempt(kpj=kpj, client="test", succeeded=True, at=AT))
    return kpj


def kpjs_saved(db: Database) -> list[str]:
    with db.read_only() as session:
        return sorted(session.scalars(select(VerificationAttempt.kpj)))


@pytest.fixture
def writer(db: Database) -> Iterator[GroupCommitWriter]:
    group = GroupCommitWriter(db)
    yield group
    group.close()


@pytest.fixture
def commits(db: Database) -> Iterator[list[int]]:
    """Counts the database's COMMITs (a savepoint's release is not one)."""
    counted: list[int] = []

    def count(_connection: Any) -> None:
        counted.append(1)

    event.listen(db.engine, "commit", count)
    yield counted
    event.remove(db.engine, "commit", count)


def held_up(writer: GroupCommitWriter) -> threading.Event:
    """Submits a first work that waits for the returned event: whatever is submitted
    meanwhile queues up and runs as the next batch. (The first writes nothing, so its own
    batch reaches no COMMIT.)"""
    release = threading.Event()
    started = threading.Event()

    def wait(_units: UnitsOfWork) -> None:
        started.set()
        assert release.wait(10)

    writer.submit(wait)
    assert started.wait(10)
    return release


def test_queued_works_commit_together_and_each_gets_its_own_result(
    db: Database, writer: GroupCommitWriter, commits: list[int]
) -> None:
    release = held_up(writer)
    futures = [
        writer.submit(lambda units, k=f"1000000{i:04d}": attempt(units, k)) for i in range(20)
    ]
    before = len(commits)
    release.set()
    results = [future.result(10) for future in futures]
    assert results == [f"1000000{i:04d}" for i in range(20)]
    assert len(commits) - before == 1  # the twenty as one batch
    assert kpjs_saved(db) == results


def test_nobody_is_answered_before_the_commit(db: Database, writer: GroupCommitWriter) -> None:
    committing, go_on = threading.Event(), threading.Event()

    def hold_commit(_connection: Any) -> None:
        committing.set()
        assert go_on.wait(10)

    event.listen(db.engine, "commit", hold_commit)
    try:
        future = writer.submit(lambda units: attempt(units, "11000000000"))
        assert committing.wait(10)
        # The work has run and its savepoint is released, but the COMMIT has not happened:
        # its caller still waits, and nobody else can see the row.
        assert not future.done()
        assert kpjs_saved(db) == []
        go_on.set()
        assert future.result(10) == "11000000000"
    finally:
        go_on.set()
        event.remove(db.engine, "commit", hold_commit)
    assert kpjs_saved(db) == ["11000000000"]


def test_a_batch_holds_at_most_max_works(db: Database, commits: list[int]) -> None:
    writer = GroupCommitWriter(db, max_works=4)
    try:
        release = held_up(writer)
        before = len(commits)
        futures = [
            writer.submit(lambda units, k=f"2{i:010d}": attempt(units, k)) for i in range(10)
        ]
        release.set()
        for future in futures:
            future.result(10)
        assert len(commits) - before == 3  # 4 + 4 + 2
    finally:
        writer.close()
    assert len(kpjs_saved(db)) == 10


def test_a_refused_work_is_rolled_back_alone_and_its_caller_gets_the_refusal(
    db: Database, writer: GroupCommitWriter
) -> None:
    def write_then_refuse(units: UnitsOfWork) -> None:
        attempt(units, "30000000001")  # a unit of work that completed stays
        with units.unit_of_work() as session:
            session.add(VerificationAttempt(kpj="30000000002", client="t", succeeded=False, at=AT))
            session.flush()
            raise Refused("no")

    release = held_up(writer)
    first = writer.submit(lambda units: attempt(units, "30000000000"))
    refused = writer.submit(write_then_refuse)
    last = writer.submit(lambda units: attempt(units, "30000000003"))
    release.set()
    assert first.result(10) == "30000000000"
    with pytest.raises(Refused):
        refused.result(10)
    assert last.result(10) == "30000000003"
    assert kpjs_saved(db) == ["30000000000", "30000000001", "30000000003"]


def test_works_share_no_session_state(db: Database, writer: GroupCommitWriter) -> None:
    seen: list[Any] = []

    def remember(units: UnitsOfWork) -> None:
        with units.unit_of_work() as session:
            session.info["person_facts"] = {"x": 1}
            session.add(VerificationAttempt(kpj="40000000000", client="t", succeeded=True, at=AT))

    def look(units: UnitsOfWork) -> None:
        with units.unit_of_work() as session:
            seen.append((dict(session.info), list(session.identity_map.values())))

    release = held_up(writer)
    futures = [writer.submit(remember), writer.submit(look)]
    release.set()
    for future in futures:
        future.result(10)
    assert seen == [({}, [])]


def test_a_failed_commit_fails_every_work_of_the_batch_and_saves_none(
    db: Database, writer: GroupCommitWriter
) -> None:
    class DiskFull(Exception):
        pass

    armed = threading.Event()

    def fail_commit(_connection: Any) -> None:
        if armed.is_set():
            armed.clear()
            raise DiskFull("the commit could not be written")

    def arming(units: UnitsOfWork) -> str:
        armed.set()  # this batch's COMMIT will fail
        return attempt(units, "50000000009")

    release = held_up(writer)
    event.listen(db.engine, "commit", fail_commit)
    try:
        futures = [
            writer.submit(lambda units: attempt(units, "50000000000")),
            writer.submit(arming),
            writer.submit(lambda units: attempt(units, "50000000001")),
        ]
        release.set()
        for future in futures:
            with pytest.raises(DiskFull):
                future.result(10)
        assert kpjs_saved(db) == []
        # The writer carries on with the next batch.
        assert writer.submit(lambda units: attempt(units, "50000000002")).result(10)
    finally:
        event.remove(db.engine, "commit", fail_commit)
    assert kpjs_saved(db) == ["50000000002"]


def test_a_work_given_up_before_it_starts_does_not_run(
    db: Database, writer: GroupCommitWriter
) -> None:
    release = held_up(writer)
    dropped = writer.submit(lambda units: attempt(units, "60000000000"))
    kept = writer.submit(lambda units: attempt(units, "60000000001"))
    assert dropped.cancel()
    release.set()
    assert kept.result(10) == "60000000001"
    assert kpjs_saved(db) == ["60000000001"]


def test_close_runs_what_was_submitted_before(db: Database) -> None:
    writer = GroupCommitWriter(db)
    release = held_up(writer)
    futures = [writer.submit(lambda units, k=f"7{i:010d}": attempt(units, k)) for i in range(5)]
    closing = threading.Thread(target=writer.close)
    closing.start()
    release.set()
    closing.join(10)
    assert not closing.is_alive()
    assert [future.result(0) for future in futures] == [f"7{i:010d}" for i in range(5)]
    assert len(kpjs_saved(db)) == 5


def test_database_write_from_many_coroutines(db: Database) -> None:
    """`Database.write` as the endpoints call it: grouped on SQLite, a thread each on
    PostgreSQL; either way every caller sees its own result after its commit."""

    async def main() -> list[str]:
        calls: list[Callable[[UnitsOfWork], str]] = [
            lambda units, k=f"8{i:010d}": attempt(units, k) for i in range(40)
        ]
        return list(await asyncio.gather(*(db.write(call) for call in calls)))

    results = run_in_own_loop(main())
    assert results == [f"8{i:010d}" for i in range(40)]
    assert kpjs_saved(db) == results
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(VerificationAttempt)) == 40


def test_the_writer_outlives_a_work_that_stops_its_thread(
    db: Database, writer: GroupCommitWriter
) -> None:
    def exits(_units: UnitsOfWork) -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        writer.submit(exits).result(10)
    assert writer.submit(lambda units: attempt(units, "90000000000")).result(10)
    assert kpjs_saved(db) == ["90000000000"]
