"""Two real scheduler processes on one database: only the lease holder runs jobs, and when it
is killed the other takes over (issue: one active scheduler, no job runs twice)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from claims.db import Database
from claims.jobs.lease import Lease
from claims.models import JobRun, SchedulerLease
from tests.e2e.serving import jht_env
from tests.integration.jobs_support import eventually

REPO = Path(__file__).resolve().parents[2]


def start_scheduler(env: dict[str, str], status_file: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.scheduler_process",
            "--seconds",
            "50",
            "--ttl",
            "4",
            "--renew",
            "1",
            "--status-file",
            str(status_file),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def holders(db: Database) -> list[str]:
    with db.read_only() as session:
        return list(session.scalars(select(JobRun.holder).order_by(JobRun.id)))


def status(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_one_leader_at_a_time_and_takeover_after_a_crash(db: Database, data_dir: Path) -> None:
    env = jht_env(data_dir, JHT_DATABASE_URL=db.url)
    a_status, b_status = data_dir / "a.status", data_dir / "b.status"
    a = start_scheduler(env, a_status)
    b: subprocess.Popen[bytes] | None = None
    try:
        first = f"pid:{a.pid}"
        eventually(lambda: holders(db).count(first) >= 2, "the first process leads", 30)
        b = start_scheduler(env, b_status)
        second = f"pid:{b.pid}"
        eventually(lambda: status(b_status) == "standby", "the second process stands by", 30)
        seen = len(holders(db))
        eventually(lambda: len(holders(db)) >= seen + 6, "the leader keeps beating", 30)
        assert set(holders(db)) == {first}, "the standby ran a job"

        a.kill()  # no clean release: the standby must wait for the lease to expire
        a.wait(10)
        eventually(lambda: holders(db).count(second) >= 3, "the standby takes over", 30)
        assert status(b_status) == "active"
        order = holders(db)
        took_over_at = order.index(second)
        assert set(order[:took_over_at]) == {first}
        assert set(order[took_over_at:]) == {second}

        b.terminate()
        assert b.wait(20) == 0
        assert status(b_status) == "stopped"
        with db.read_only() as session:
            lease_holder = session.scalar(select(SchedulerLease.holder))
        assert lease_holder is not None and f":{b.pid}:" in lease_holder
        assert Lease(db).acquire(), "a clean stop gives the lease up at once"
    finally:
        for process in (a, b):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
