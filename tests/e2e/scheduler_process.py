"""One scheduler process for the two-process test: the real runner, reading its database from
JHT_DATABASE_URL, with a heartbeat job that records which process ran it. It stops itself
after --seconds (or on SIGTERM), so a failed test leaves nothing running."""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
from datetime import datetime, timedelta
from pathlib import Path

from claims.jobs.registry import JobRegistry
from claims.jobs.runner import SchedulerRunner
from claims.repositories.scheduler import claim_run
from claims.runtime import Runtime, open_runtime
from claims.settings import Settings

HEARTBEAT_EVERY_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=50)
    parser.add_argument("--ttl", type=float, default=4)
    parser.add_argument("--renew", type=float, default=1)
    parser.add_argument("--status-file", type=Path, required=True)
    options = parser.parse_args()

    runtime = open_runtime(Settings(), migrate=False)
    me = f"pid:{os.getpid()}"
    beats = itertools.count()

    def heartbeat(job_runtime: Runtime, now: datetime) -> int:
        # A fresh key per invocation, so a second process running it would show up as extra
        # rows rather than be hidden by the unique key.
        with job_runtime.db.unit_of_work() as session:
            claim_run(session, "heartbeat", f"{me}:{next(beats)}", me, now)
        return 1

    registry = JobRegistry()
    registry.add("heartbeat", HEARTBEAT_EVERY_SECONDS, heartbeat)
    runner = SchedulerRunner(
        runtime,
        registry,
        lease_ttl=timedelta(seconds=options.ttl),
        renew_every=timedelta(seconds=options.renew),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    timer = threading.Timer(options.seconds, stop.set)
    timer.daemon = True
    timer.start()
    runner.start()
    try:
        while not stop.wait(0.1):
            options.status_file.write_text(runner.status)
    finally:
        runner.stop()
        options.status_file.write_text("stopped")
        runtime.close()


if __name__ == "__main__":
    main()
