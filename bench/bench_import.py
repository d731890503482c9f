"""Registry import benchmark (quality.md, Performance): 1,000,000 participants through the real
`jht participants import` command in at most 120 s, then the same file again (all updates).

Usage: python bench/bench_import.py [--rows 1000000] [--database-url URL]

SQLite in a fresh data folder by default; with --database-url (PostgreSQL), a fresh schema
that is created before and dropped after the run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS_DIR, record
from generate_participants import write_participants

TARGET_SECONDS_PER_MILLION = 120.0
SUMMARY = re.compile(
    r"participants: (?P<read>\d+) read, (?P<imported>\d+) imported "
    r"\((?P<new>\d+) new, (?P<updated>\d+) updated\), (?P<bad>\d+) bad"
)


def participants_file(rows: int) -> Path:
    """The generated CSV, cached: the generator is deterministic, so the same rows each time."""
    path = RESULTS_DIR / f"participants-{rows}.csv"
    if not path.exists():
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        started = time.perf_counter()
        write_participants(rows, partial)
        partial.rename(path)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def jht_command() -> list[str]:
    beside = Path(sys.executable).parent / "jht"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jht")
    if found is None:
        raise SystemExit("the jht command is not installed (pip install -e . in the venv)")
    return [found]


def with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def run_import(env: dict[str, str], path: Path) -> tuple[float, float, dict[str, int]]:
    """Wall time and CPU time of one `jht participants import`, and the counts from its
    summary line. The CPU time says how much of the wall time was other load on the host."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(
        [*jht_command(), "participants", "import", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    match = SUMMARY.search(finished.stderr)
    if finished.returncode != 0 or match is None:
        tail = "\n".join(finished.stderr.splitlines()[-20:])
        raise SystemExit(f"import failed (exit {finished.returncode}):\n{tail}")
    if "importing participants" not in finished.stderr:
        raise SystemExit("the import printed no progress bar")
    return elapsed, cpu, {key: int(value) for key, value in match.groupdict().items()}


def measure(label: str, backend: str, env: dict[str, str], path: Path, rows: int) -> None:
    seconds, cpu, counts = run_import(env, path)
    expected_new = rows if label == "fresh" else 0
    if counts["read"] != rows or counts["bad"] or counts["new"] != expected_new:
        raise SystemExit(f"{label} import gave unexpected counts: {counts}")
    ceiling = TARGET_SECONDS_PER_MILLION * rows / 1_000_000
    details = {"rows": rows, "backend": backend, "cpu_seconds": round(cpu, 1), **counts}
    record(
        f"registry_import_{backend}_{label}",
        seconds,
        "s",
        ratio=seconds / ceiling,
        target=1.0,
        details=details,
    )
    record(f"registry_import_{backend}_{label}_rate", rows / seconds, "rows/s", details=details)
    record(f"registry_import_{backend}_{label}_cpu", cpu, "s", details=details)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url", help="PostgreSQL URL, e.g. postgresql+psycopg://postgres@127.0.0.1/test"
    )
    args = parser.parse_args(argv)
    path = participants_file(args.rows)
    data_dir = Path(tempfile.mkdtemp(prefix="jht-bench-import-"))
    env = {**os.environ, "JHT_DATA_DIR": str(data_dir), "JHT_SANDBOX": "false"}
    env.pop("JHT_DATABASE_URL", None)
    backend = "sqlite"
    schema = ""
    admin = None
    if args.database_url:
        from sqlalchemy import create_engine, text

        backend = "postgresql"
        schema = f"jht_bench_{secrets.token_hex(4)}"
        admin = create_engine(args.database_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["JHT_DATABASE_URL"] = with_schema(args.database_url, schema)
    try:
        measure("fresh", backend, env, path, args.rows)
        measure("reimport", backend, env, path, args.rows)
    finally:
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
