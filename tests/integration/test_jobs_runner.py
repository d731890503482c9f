"""The scheduler runner in one process: jobs run while it leads, never while it stands by or
after it lost the lease, failures do not stop it, and jobs are persisted in the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from claims.db import Database
from claims.jobs.registry import JobRegistry, run_due_jobs
from claims.jobs.runner import SchedulerRunner
from claims.models import ApschedulerJob, JobRun, SchedulerLease
from claims.repositories.scheduler import claim_run
from claims.runtime import Runtime
from tests.integration.jobs_support import eventually, make_runtime

FAST_TTL = timedelta(seconds=2)
FAST_RENEW = timedelta(seconds=0.2)


class Recorder:
    """A job that records each call: who ran it and the `now` it was given."""

    def __init__(self, label: str, fail: bool = False) -> None:
        self.label = label
        self.fail = fail
        self.calls: list[datetime] = []
        self._lock = threading.Lock()

    def __call__(self, runtime: Runtime, now: datetime) -> int:
        with self._lock:
            self.calls.append(now)
        if self.fail:
            raise RuntimeError("job broke")
        return 1

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.calls)


def status_of(runner: SchedulerRunner) -> str:
    return runner.status


def runner_with(runtime: Runtime, *jobs: tuple[str, float, Recorder]) -> SchedulerRunner:
    registry = JobRegistry()
    for name, every, function in jobs:
        registry.add(name, every, function)
    return SchedulerRunner(runtime, registry, lease_ttl=FAST_TTL, renew_every=FAST_RENEW)


@pytest.fixture
def runtime(db: Database, data_dir: Path) -> Runtime:
    return make_runtime(db, data_dir)


def test_leader_runs_jobs_and_a_standby_takes_over_when_it_stops(runtime: Runtime) -> None:
    ran_by_a, ran_by_b = Recorder("a"), Recorder("b")
    a = runner_with(runtime, ("beat", 0.1, ran_by_a))
    b = runner_with(runtime, ("beat", 0.1, ran_by_b))
    a.start()
    try:
        eventually(lambda: ran_by_a.count >= 3, "the leader runs its job")
        assert status_of(a) == "active"
        b.start()
        eventually(lambda: b.status == "standby", "the second runner stands by")
        before = ran_by_a.count
        eventually(lambda: ran_by_a.count >= before + 5, "the leader keeps running")
        assert ran_by_b.count == 0
        a.stop()
        assert status_of(a) == "off"
        eventually(lambda: ran_by_b.count >= 3, "the standby takes over")
        assert status_of(b) == "active"
        stopped_at = ran_by_a.count
        eventually(lambda: ran_by_b.count >= 6, "the new leader keeps running")
        assert ran_by_a.count == stopped_at
    finally:
        a.stop()
        b.stop()


def test_a_failing_job_neither_stops_the_scheduler_nor_other_jobs(runtime: Runtime) -> None:
    broken, healthy = Recorder("broken", fail=True), Recorder("healthy")
    runner = runner_with(runtime, ("broken", 0.1, broken), ("healthy", 0.1, healthy))
    runner.start()
    try:
        eventually(lambda: broken.count >= 3 and healthy.count >= 3, "both jobs keep running")
        assert runner.status == "active"
    finally:
        runner.stop()


def test_a_leader_that_lost_the_lease_runs_nothing_more(runtime: Runtime) -> None:
    job = Recorder("job")
    runner = runner_with(runtime, ("job", 3600, job))
    runner.tick()  # becomes the leader, without the background renewal thread
    assert runner.leading
    try:
        runner.run_job("job")
        assert job.count == 1
        # Another process took over while this one was paused past its TTL.
        with runtime.db.unit_of_work() as session:
            session.execute(
                update(SchedulerLease).values(
                    holder="someone-else", expires_at=datetime.now(UTC) + timedelta(minutes=1)
                )
            )
        runner.run_job("job")
        assert job.count == 1
        assert not runner.leading
    finally:
        runner._demote()


def test_jobs_are_kept_in_the_database_across_restarts(runtime: Runtime) -> None:
    def stored() -> dict[str, float | None]:
        with runtime.db.read_only() as session:
            rows = session.execute(select(ApschedulerJob.id, ApschedulerJob.next_run_time))
            return {row.id: row.next_run_time for row in rows}

    first = runner_with(runtime, ("hourly", 3600, Recorder("h")), ("daily", 86400, Recorder("d")))
    first.tick()
    first._demote()
    first.lease.release()
    kept = stored()
    assert set(kept) == {"jht:hourly", "jht:daily"}

    # Restarted with one job dropped, one unchanged, one with a new interval, one new.
    second = runner_with(
        runtime,
        ("hourly", 3600, Recorder("h")),
        ("daily", 600, Recorder("d")),
        ("new", 60, Recorder("n")),
    )
    second.tick()
    second._demote()
    now_stored = stored()
    assert set(now_stored) == {"jht:hourly", "jht:daily", "jht:new"}
    assert now_stored["jht:hourly"] == kept["jht:hourly"]  # not postponed by the restart
    assert now_stored["jht:daily"] != kept["jht:daily"]


def test_run_due_jobs_runs_each_once_in_order_with_the_sandbox_now(runtime: Runtime) -> None:
    order: list[str] = []
    seen: list[datetime] = []
    registry = JobRegistry()

    def job(name: str, handled: int, fail: bool = False):  # type: ignore[no-untyped-def]
        def run(_runtime: Runtime, now: datetime) -> int:
            order.append(name)
            seen.append(now)
            if fail:
                raise ValueError(name)
            return handled

        return run

    registry.add("reminders", 60, job("reminders", 2))
    registry.add("broken", 60, job("broken", 0, fail=True))
    registry.add("expiry", 60, job("expiry", 0))
    runtime.clock.set_offset(timedelta(days=3))
    counts = run_due_jobs(runtime, registry)
    assert counts == {"reminders": 2, "broken": -1, "expiry": 0}
    assert order == ["reminders", "broken", "expiry"]
    # No sandbox_clock row yet, so refresh keeps the offset; every job sees the simulated time.
    assert all(now > datetime.now(UTC) + timedelta(days=2) for now in seen)


@pytest.mark.parametrize(
    ("first_key", "second_key", "second_claimed"),
    [("reminder:41", "reminder:41", False), ("reminder:41", "reminder:42", True)],
)
def test_claim_run_claims_a_key_once(
    db: Database, first_key: str, second_key: str, second_claimed: bool
) -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    with db.unit_of_work() as session:
        assert claim_run(session, "reminders", first_key, "p1", at)
    with db.unit_of_work() as session:
        assert claim_run(session, "reminders", second_key, "p2", at) is second_claimed
    with db.read_only() as session:
        holders = session.scalars(select(JobRun.holder).order_by(JobRun.id)).all()
    assert holders == (["p1", "p2"] if second_claimed else ["p1"])
