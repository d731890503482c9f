"""The benchmarks that need no load generator still run against today's code (a change to a
service once broke one unnoticed): each at a tiny size, its figures written to a file of the
test's own, not to bench/results. The balance benchmark needs wrk, and runs where it is
installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("script", "arguments", "figures"),
    [
        ("bench_lifecycle.py", ["--claims", "3"], {"lifecycle_cpu_ms", "claim_creation_cpu_ms"}),
        ("bench_booking.py", ["--bookings", "20"], {"booking_10k_seconds_sqlite_single"}),
    ],
)
def test_benchmark_runs_at_a_tiny_size(
    tmp_path: Path, script: str, arguments: list[str], figures: set[str]
) -> None:
    recorded = run_benchmark(tmp_path, script, arguments)
    assert figures <= recorded.keys(), recorded


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_balance_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    arguments = ["--claims", "300", "--sessions", "20", "--duration", "1", "--repeat", "1"]
    recorded = run_benchmark(tmp_path, "bench_balance.py", arguments)
    assert recorded["api.balance.300"]["details"]["non_2xx"] == 0, recorded


def run_benchmark(tmp_path: Path, script: str, arguments: list[str]) -> dict[str, Any]:
    """The figures `script` recorded, by name, after a run with `arguments`."""
    results = tmp_path / "results.jsonl"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("JHT_")}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        env={**environment, "BENCH_RESULTS_FILE": str(results)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Exit 1 is also a missed target, which a tiny run may well be (start-up dominates it).
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stdout + done.stderr
    return {json.loads(line)["name"]: json.loads(line) for line in results.read_text().splitlines()}
