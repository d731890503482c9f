"""The server killed during uploads, 100 times (quality.md, Reliability): a real `jht serve`
process gets concurrent uploads and a SIGKILL (its whole process group) at a random moment,
is restarted, and every upload that got a 2xx must be stored whole (same SHA-256), every row's
file must exist and download with its SHA-256; after the housekeeping garbage collection (clock
moved past the hour) no temp, spool or unreferenced file is left.

    .venv/bin/python bench/bench_upload_kill.py [--rounds 100] [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import record  # noqa: E402

from claims.db import Database  # noqa: E402
from claims.migrate import upgrade_to_head  # noqa: E402
from tests.e2e.upload_server_kill import KillReport, run_kill_rounds  # noqa: E402
from tests.e2e.upload_support import LiveServer, create_claim  # noqa: E402
from tests.support import load_samples  # noqa: E402

LABELS = [
    ("resignation: left 3 months ago", "resignation"),
    ("termination: PHK 3 months ago", "termination"),
    ("contract_end: contract ended yesterday", "contract_end"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jht-bench-kill-"))
    (work / "var").mkdir()
    url = arguments.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    db = Database(url)
    upgrade_to_head(db.engine)
    load_samples(db, work / "samples")
    server = LiveServer(db, work / "var")
    server.start()
    with server.client() as client:
        claims = [create_claim(client, label, reason) for label, reason in LABELS]
    started = time.monotonic()

    def progress(number: int, report: KillReport) -> None:
        if number % 10 == 0:
            print(f"  {report.line()} ({time.monotonic() - started:.0f} s)", flush=True)

    report = run_kill_rounds(server, claims, arguments.rounds, on_round=progress)
    for problem in report.problems:
        print(f"  problem: {problem}", flush=True)
    print(report.line(), flush=True)
    passed = record(
        "upload_kill_problems",
        len(report.problems),
        "problems",
        ratio=float(len(report.problems)),
        target=0,
        details={
            "rounds": report.rounds,
            "answered_2xx": report.answered_2xx,
            "cut_or_refused": report.refused_or_cut,
            "problems": report.problems[:20],
        },
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
