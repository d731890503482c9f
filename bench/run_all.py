"""Runs every benchmark and prints each figure of quality.md with its ratio and verdict, then
writes the table (with its date and machine) to docs/benchmarks.md.

    .venv/bin/python bench/run_all.py            # the full sizes of quality.md (about an hour)
    .venv/bin/python bench/run_all.py --quick    # smaller sizes, for a first look (minutes)

Each benchmark measures its own ceiling in the same run (quality.md); the figures come from
the JSON lines the benchmarks append to bench/results/results.jsonl during this run.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS_FILE, machine_info  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the machine's PostgreSQL (README)

# (script, arguments at full size, arguments for --quick)
BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    ("bench_import.py", ["--rows", "1000000"], ["--rows", "100000"]),
    ("bench_import.py", ["--rows", "1000000", "--database-url", PG], ["--rows", "100000"]),
    ("bench_lifecycle.py", ["--claims", "10000"], ["--claims", "500"]),
    ("bench_booking.py", ["--bookings", "10000"], ["--bookings", "10000"]),
    ("bench_booking.py", ["--bookings", "10000", "--batch", "1000"], ["--batch", "1000"]),
    ("bench_booking.py", ["--database-url", PG], ["--bookings", "2000", "--database-url", PG]),
    ("bench_booking.py", ["--batch", "1000", "--database-url", PG], ["--database-url", PG]),
    ("bench_merge.py", [], ["--repeat", "5"]),
    ("bench_upload.py", [], ["--rounds", "1"]),
    ("bench_api.py", ["--sizes", "10000", "1000000"], ["--sizes", "10000", "--duration", "5"]),
    ("bench_sms.py", [], ["--duration", "5", "--repeat", "1"]),
    ("bench_balance.py", [], ["--duration", "5"]),
    ("bench_payout_kill.py", ["--kills", "100"], ["--kills", "10"]),
    ("bench_upload_kill.py", ["--rounds", "100"], ["--rounds", "5"]),
    ("bench_pages.py", [], ["--rounds", "1"]),
]

# Each quality.md target and the figures that answer it (any that were recorded; a name with
# `*` stands for every figure it matches, e.g. one per page state).
TARGETS: list[tuple[str, list[str]]] = [
    (
        "public tracking lookup, 1,000,000 claims: at least 0.30 of hello",
        ["api.tracking.1000000", "api.tracking.10000"],
    ),
    (
        "claim creation: at least 0.05 of hello",
        ["api.create_claim.1000000", "api.create_claim.10000"],
    ),
    (
        "officer queue page, 1,000,000 claims: at least 0.10 of hello",
        ["api.queue_page.1000000", "api.queue_page.10000"],
    ),
    ("balance lookup, signed in: at least 0.30 of hello", ["api.balance.10000"]),
    (
        "cost growth 10,000 -> 1,000,000: at most 1.25x",
        [
            "api.tracking.growth_10000_to_1000000",
            "api.queue.growth_10000_to_1000000",
            "api.create.growth_10000_to_1000000",
        ],
    ),
    ("an inbound SMS answered (reply queued): at least 0.10 of hello", ["sms.inbound_saldo"]),
    (
        "4 concurrent 10 MB uploads: at least 0.50 of raw; memory +60 MB at most",
        ["upload_jht_4x10mb", "upload_jht_rss_growth"],
    ),
    ("8-file, 125-page bundle: at most 2.5x pikepdf", ["merge_ratio", "merge_ratio_text"]),
    ("lifecycle create to paid: at most 25 ms CPU per claim", ["lifecycle_cpu_ms"]),
    (
        "registry import, 1,000,000 participants: at most 120 s",
        ["registry_import_sqlite_fresh", "registry_import_postgresql_fresh"],
    ),
    (
        "10,000 bookings in at most 10 s, none over capacity",
        [
            "booking_10k_seconds_sqlite_single",
            "booking_10k_seconds_sqlite_batch1000",
            "booking_10k_seconds_postgresql_single",
            "booking_10k_seconds_postgresql_batch1000",
        ],
    ),
    (
        "payout dispatcher SIGKILLed 100 times: 0 duplicate transfers, every payout paid",
        ["payout_kill_kills", "payout_kill_duplicate_transfers", "payout_kill_unpaid_payouts"],
    ),
    ("server SIGKILLed during uploads 100 times: every 2xx upload whole", ["upload_kill_problems"]),
    ("each applicant page state at most 50 KB transferred", ["pages.*.kb"]),
    (
        "each applicant page state first rendered within 1.5 s on emulated slow 3G",
        ["pages.*.fcp_ms.slow3g"],
    ),
]


def run(script: str, arguments: list[str]) -> int:
    print(f"\n=== {script} {' '.join(arguments)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments], cwd=ROOT, check=False
    )
    print(
        f"=== {script} finished with exit {result.returncode} in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return result.returncode


def results_since(started: datetime) -> list[dict[str, object]]:
    if not RESULTS_FILE.exists():
        return []
    entries = []
    for line in RESULTS_FILE.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if datetime.fromisoformat(entry["at"]) >= started.replace(microsecond=0):
            entries.append(entry)
    return entries


def verdict(entry: dict[str, object]) -> str:
    passed = entry.get("passed")
    return "-" if passed is None else ("PASS" if passed else "MISS")


def ratio_text(entry: dict[str, object]) -> str:
    ratio, target = entry.get("ratio"), entry.get("target")
    if ratio is None or target is None:
        return "-"
    sign = ">=" if entry.get("higher_is_better") else "<="
    return f"{float(ratio):.3f} (target {sign} {target})"  # type: ignore[arg-type]


def matching(pattern: str, names: dict[str, object]) -> list[str]:
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


def summary(entries: list[dict[str, object]]) -> list[str]:
    """The quality.md targets, each with the figures of this run that answer it."""
    by_name = {str(entry["name"]): entry for entry in entries}
    lines = ["## The quality.md targets", "", "| target | figures | verdict |", "|---|---|---|"]
    for target, names in TARGETS:
        found = [by_name[name] for pattern in names for name in matching(pattern, by_name)]
        if not found:
            continue
        figures = "; ".join(
            f"{entry['name']} = {float(entry['value']):.4g} {entry['unit']}"  # type: ignore[arg-type]
            + (f" (ratio {float(entry['ratio']):.3f})" if entry.get("ratio") is not None else "")  # type: ignore[arg-type]
            + (f" {verdict(entry)}" if entry.get("passed") is not None else "")
            for entry in found
        )
        verdicts = {verdict(entry) for entry in found} - {"-"}
        overall = "PASS" if verdicts == {"PASS"} else ("MISS" if verdicts == {"MISS"} else "mixed")
        lines.append(f"| {target} | {figures} | {overall if verdicts else '-'} |")
    return [*lines, ""]


def write_table(
    entries: list[dict[str, object]], started: datetime, quick: bool, failures: list[str]
) -> str:
    machine = machine_info()
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC{' (quick sizes)' if quick else ''} with `bench/run_all.py`, on "
        f"{machine['cpu']} ({machine['cpus']} CPUs), Python {machine['python']}, {machine['platform']}.",
        "Every ratio is to a ceiling measured in the same run (quality.md); see bench/README.md for what each "
        "figure means.",
        "",
    ]
    lines += summary(entries)
    lines += [
        "## Every figure of the run",
        "",
        "| figure | value | unit | ratio | verdict |",
        "|---|---|---|---|---|",
    ]
    for entry in entries:
        value = float(entry["value"])  # type: ignore[arg-type]
        lines.append(
            f"| {entry['name']} | {value:.4g} | {entry['unit']} | {ratio_text(entry)} | {verdict(entry)} |"
        )
    if failures:
        lines += [
            "",
            "Benchmarks that exited non-zero (a missed target or an error): "
            + ", ".join(failures)
            + ".",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a first look")
    parser.add_argument("--only", nargs="*", help="script names to run (default: all)")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="run nothing: tabulate the latest recorded value of each figure in results.jsonl",
    )
    arguments = parser.parse_args()
    started = datetime.now(UTC)
    if arguments.collect:
        latest = {
            str(entry["name"]): entry for entry in results_since(datetime.min.replace(tzinfo=UTC))
        }
        entries = sorted(latest.values(), key=lambda entry: str(entry["name"]))
        first = min((str(e["at"]) for e in entries), default=started.isoformat())
        table = write_table(entries, started, False, []).replace(
            f"Run {started:%Y-%m-%d %H:%M} UTC with `bench/run_all.py`",
            f"Latest figure of each benchmark run between {first[:16].replace('T', ' ')} and "
            f"{started:%Y-%m-%d %H:%M} UTC (`bench/run_all.py --collect`)",
        )
        print(table)
        if not arguments.no_docs:
            (ROOT / "docs" / "benchmarks.md").write_text(table, encoding="utf-8")
        return
    failures = []
    for script, full, quick in BENCHMARKS:
        if arguments.only and script not in arguments.only:
            continue
        if run(script, quick if arguments.quick else full) != 0:
            failures.append(script)
    entries = results_since(started)
    table = write_table(entries, started, arguments.quick, failures)
    print("\n" + table)
    if not arguments.no_docs:
        (ROOT / "docs" / "benchmarks.md").write_text(table, encoding="utf-8")
        print("written to docs/benchmarks.md")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
