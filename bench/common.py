"""Benchmark output shared by every script in bench/: one printed line per figure
(`name value unit ratio/target PASS|MISS`) and one JSON line appended to results.jsonl."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# BENCH_RESULTS_FILE elsewhere keeps a trial run (the tests' smoke runs) out of the figures.
RESULTS_FILE = Path(os.environ.get("BENCH_RESULTS_FILE") or RESULTS_DIR / "results.jsonl")


def machine_info() -> dict[str, object]:
    """What the figures depend on, so results from different machines are not compared."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def record(
    name: str,
    value: float,
    unit: str,
    *,
    ratio: float | None = None,
    target: float | None = None,
    higher_is_better: bool = False,
    details: Mapping[str, object] | None = None,
) -> bool | None:
    """Prints one figure and appends it to results.jsonl.

    `ratio` is the figure divided by its ceiling (quality.md, Performance); it passes when it
    is at most `target`, or at least `target` with `higher_is_better`. Returns whether it
    passed, or None for a figure without a target (printed with '-' in place of the verdict).
    """
    passed: bool | None = None
    verdict = "-"
    if ratio is not None and target is not None:
        passed = ratio >= target if higher_is_better else ratio <= target
        sign = ">=" if higher_is_better else "<="
        verdict = f"{ratio:.3f}/{sign}{target:g} {'PASS' if passed else 'MISS'}"
    print(f"{name} {value:.6g} {unit} {verdict}", flush=True)
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmark": Path(sys.argv[0]).stem,
        "name": name,
        "value": value,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "higher_is_better": higher_is_better,
        "passed": passed,
        "details": dict(details or {}),
        "machine": machine_info(),
    }
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS_FILE.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, default=str) + "\n")
    return passed
