"""The deployment of operations.md, proven: PostgreSQL, four API processes with the scheduler
off, a separate `jht scheduler`, rate limits in Redis. Every claim reason goes from creation
to paid over real HTTP; the payout is sent by whichever process runs the jobs."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from claims.db import Database
from claims.models import Claim, Payout, SchedulerLease, SimulatedBankTransfer
from tests.e2e.serving import JHT, free_port, jht_env, wait_until_healthy
from tests.e2e.test_api_lifecycle import CASES, happy_path
from tests.support import load_samples

pytestmark = pytest.mark.postgres


@pytest.fixture
def deployment(
    database_url: str, db: Database, tmp_path: Path
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    load_samples(db, tmp_path / "samples")
    port = free_port()
    env = jht_env(
        tmp_path / "var",
        JHT_DATABASE_URL=database_url,
        JHT_SANDBOX="true",
        JHT_RATE_LIMIT_STORAGE="redis://127.0.0.1:6379",
    )
    api = subprocess.Popen(
        [JHT, "serve", "--port", str(port), "--workers", "4", "--no-samples"],
        env={**env, "JHT_SCHEDULER": "off"},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    scheduler = subprocess.Popen(
        [JHT, "scheduler"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_until_healthy(base, api, seconds=90)
        assert health["scheduler"] == "off"
        with httpx.Client(base_url=base, timeout=120) as client:
            yield client, scheduler
    finally:
        for process in (api, scheduler):
            process.send_signal(signal.SIGTERM)
        for process in (api, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_every_reason_to_paid_across_processes(
    deployment: tuple[httpx.Client, subprocess.Popen[bytes]], db: Database
) -> None:
    client, scheduler = deployment

    def now() -> datetime:
        return datetime.fromisoformat(client.get("/api/v1/sandbox/clock").json()["now"])

    def set_now(moment: datetime) -> None:
        if moment > now():
            answer = client.post("/api/v1/sandbox/clock", json={"set": moment.isoformat()})
            assert answer.status_code == 200, answer.text

    claim_ids = [happy_path(client, db, set_now, reason, label) for reason, label in CASES]
    # Moving the clock runs the due jobs: the payout dispatcher pays every approved claim.
    set_now(now() + timedelta(minutes=1))
    with db.read_only() as session:
        statuses = {
            c.reason: c.status
            for c in session.scalars(select(Claim).where(Claim.id.in_(claim_ids)))
        }
        payouts = list(session.scalars(select(Payout)))
        ledger = list(session.scalars(select(SimulatedBankTransfer)))
        lease = session.get(SchedulerLease, "scheduler")
    assert statuses == {reason: "paid" for reason, _ in CASES}
    assert len(payouts) == len(CASES) and {p.status for p in payouts} == {"paid"}
    assert sorted(t.reference for t in ledger) == sorted(p.reference for p in payouts)
    # The separate scheduler process is the one holding the lease.
    assert lease is not None and f":{scheduler.pid}:" in lease.holder
    assert scheduler.poll() is None
    assert os.environ.get("JHT_TEST_DATABASE_URL", "").startswith("postgresql")
