"""API benchmark (quality.md, Performance): public tracking lookup, claim creation and the
officer queue page, each as a ratio to the "hello" ceiling measured in the same run with the
same load generator, at 10,000 and at 1,000,000 claims in the database.

Usage: python bench/bench_api.py [--sizes 10000 1000000] [--duration 10] [--connections 64]
       [--create-connections 16] [--repeat 3]

For each size: a fresh data folder, the schema migrated by `jht db upgrade`, branches by
`jht branches import`, then participants and claims written by bulk SQL straight into the
SQLite file (not through the service: a million claims through the service would take an
hour). The server is the product's own `create_app()` under uvicorn, 1 worker, the same
settings as `jht serve`, through `bench_app()` below, which only raises the rate limits (the
public tracking limit of 10 a minute per client would otherwise answer 429 to the load
generator, which runs from one address) and switches the scheduler off so that it does not
compete for the CPU. The load generator is wrk (Debian package `wrk`) on loopback.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from generate_participants import FIRST_KPJ, participant_line  # noqa: E402

PYTHON = sys.executable
JHT = str(Path(sys.executable).with_name("jht"))
GENEROUS = "100000000/minute"
BRANCHES = (
    "JKT-SLB",
    "BDG-SBR",
    "SBY-DMS",
    "MDN-KTR",
    "DPS-RNN",
    "MKS-PTB",
    "BPN-KTR",
    "AMB-KTR",
    "JPR-KTR",
)
# One claim per participant; statuses by index % 20, most of them finished, as in a live system.
STATUS_BY_SLOT = ["paid"] * 11 + [
    "rejected",
    "cancelled",
    "expired",
    "documents_pending",
    "under_review",
    "revision_requested",
    "interview_scheduled",
    "awaiting_approval",
    "under_review",
]
SLA_RUNNING = {"under_review", "interview_scheduled", "awaiting_approval", "approved"}
QUEUE_BRANCH = "JKT-SLB"
QUEUE_STATUS = "under_review"
# Registry rows without claims, one per creation request: enough for three 10 s rounds at
# well over 2,000 creations a second (each round skips twice what it used, see create_round).
FRESH_PARTICIPANTS = 150_000
TARGETS = {"tracking": 0.30, "create": 0.05, "queue": 0.10}
GROWTH_LIMIT = 1.25


def bench_app() -> Any:
    """The uvicorn factory: the product's app with generous rate limits (see the docstring)."""
    from claims.app import create_app
    from claims.ratelimits import RateLimits

    return create_app(
        rate_limits=RateLimits(
            tracking_per_client=GENEROUS,
            tracking_per_kpj=GENEROUS,
            identity_attempts_per_kpj=GENEROUS,
            identity_attempts_per_client=GENEROUS,
            default_per_client=GENEROUS,
        )
    )


# --- the database ------------------------------------------------------------------------


def sql_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage form of a UTC datetime."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def jht(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run([JHT, *arguments], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"jht {' '.join(arguments)}: {done.stderr}")
    return done.stdout.strip()


def participant_row(index: int, fresh: bool, updated: str) -> tuple[Any, ...]:
    (
        kpj,
        nik,
        name,
        birth,
        gender,
        start,
        status,
        employer,
        end,
        balance,
        email,
        phone,
        deceased,
    ) = participant_line(index).split(",")
    if fresh:  # resigned last year, alive, with a balance: eligible for a resignation claim
        status, end, deceased = "inactive", "2025-06-30", "false"
        balance = str(5_000_000 + int(balance) % 40_000_000)
    return (
        kpj,
        nik,
        name,
        birth,
        gender,
        start,
        status,
        employer,
        end or None,
        int(balance),
        email,
        phone,
        deceased == "true",
        updated[:10],  # the statement's day: the day of this load
        updated,
    )


def claim_row(index: int, now: datetime, rules_version: str) -> dict[str, Any]:
    status = STATUS_BY_SLOT[index % len(STATUS_BY_SLOT)]
    created = now - timedelta(days=1 + index % 400, seconds=index % 86_400)
    updated = created + timedelta(days=index % 5)
    running = status in SLA_RUNNING
    due = now + timedelta(days=index % 14 - 4, seconds=index % 86_400) if running else None
    return {
        "id": f"{index:08x}-0000-4000-8000-{index:012x}",
        "reference": f"JHT-B{index:010d}",
        "kpj": str(FIRST_KPJ + index),
        "reason": "resignation",
        "status": status,
        "version": 3,
        "branch_code": BRANCHES[index % len(BRANCHES)],
        "rules_version": rules_version,
        "access_token_hash": hashlib.sha256(f"bench-{index}".encode()).hexdigest(),
        "email": f"p{index}@contoh.id",
        "phone": f"08{1_000_000_000 + index}",
        "language": "id",
        "employment_end_date": "2024-01-31",
        "balance_snapshot": 10_000_000 + index % 1000,
        "reschedules_used": 0,
        "misses": 0,
        "sla_used_seconds": 0,
        "sla_running_since": sql_time(created) if running else None,
        "sla_due_at": sql_time(due) if due else None,
        "created_at": sql_time(created),
        "submitted_at": sql_time(created + timedelta(hours=2))
        if status != "documents_pending"
        else None,
        "updated_at": sql_time(updated),
        "last_activity_at": sql_time(updated),
    }


def prepare_database(folder: Path, claims: int, now: datetime) -> tuple[dict[str, str], str]:
    """Migrated database with `claims` claims and FRESH_PARTICIPANTS unclaimed participants.
    Returns the server environment and a supervisor token."""
    from workflow.rules import rules_in_force

    database = folder / "jht.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("JHT_")}
    env.update(
        JHT_DATA_DIR=str(folder),
        JHT_DATABASE_URL=f"sqlite:///{database}",
        JHT_SCHEDULER="off",
        JHT_SANDBOX="false",
        # Outside the sandbox a bank must be named; the scheduler is off, so none is called.
        JHT_BANK="http://127.0.0.1:9/no-payouts-in-this-benchmark",
    )
    jht(env, "db", "upgrade")
    jht(env, "branches", "import", str(ROOT / "samples" / "branches.csv"))
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-262144")
    # The migrations' own indexes, dropped for the bulk insert and built again from their
    # saved SQL afterwards: one sort per index instead of a million random B-tree inserts.
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('participants', 'claims')"
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    updated = sql_time(now)
    total = claims + FRESH_PARTICIPANTS
    connection.executemany(
        "INSERT INTO participants (kpj, nik, full_name, birth_date, gender, membership_start, "
        "membership_status, employer_name, employment_end_date, balance, email, phone, deceased, "
        "balance_date, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (participant_row(i, i >= claims, updated) for i in range(total)),
    )
    columns = list(claim_row(0, now, "x"))
    rules_version = rules_in_force(now.date()).version
    connection.executemany(
        f"INSERT INTO claims ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        (tuple(claim_row(i, now, rules_version).values()) for i in range(claims)),
    )
    for _, sql in indexes:
        connection.execute(sql)
    connection.commit()
    connection.close()
    print(
        f"# {claims} claims, {total} participants written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    token = jht(env, "officers", "add", "--name", "Bench Supervisor", "--role", "supervisor")
    return env, token.splitlines()[-1].strip()


def creation_bodies(claims: int, today: date, path: Path) -> int:
    """One JSON body per fresh participant who is eligible for a resignation claim today."""
    import json

    from workflow.eligibility import ParticipantFacts, check_eligibility
    from workflow.rules import rules_in_force
    from workflow.states import ClaimReason

    rules = rules_in_force(today)
    count = 0
    with path.open("w") as out:
        for index in range(claims, claims + FRESH_PARTICIPANTS):
            row = participant_row(index, True, "")
            facts = ParticipantFacts(
                birth_date=date.fromisoformat(row[3]),
                membership_start=date.fromisoformat(row[5]),
                membership_status="inactive",
                employment_end_date=date.fromisoformat(row[8]),
                balance=row[9],
            )
            if not check_eligibility(rules, ClaimReason.resignation, facts, today).eligible:
                continue
            body = {
                "kpj": row[0],
                "nik": row[1],
                "full_name": row[2],
                "birth_date": row[3],
                "reason": "resignation",
                "email": row[10],
                "phone": row[11],
                "branch_code": BRANCHES[index % len(BRANCHES)],
            }
            out.write(json.dumps(body) + "\n")
            count += 1
    return count


# --- servers and load ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(factory: str, env: dict[str, str]) -> Iterator[str]:
    """uvicorn with the settings of `jht serve`: 1 worker, no proxy headers, warnings only."""
    import httpx

    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--app-dir",
            str(BENCH),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited with {process.returncode}")
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(factory)
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(
    url: str,
    duration: float,
    connections: int,
    *,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[float, int, int]:
    """Requests per second, total requests and non-2xx answers of one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        print(f"# wrk {errors.group(0)}", flush=True)
    return rate, total, int(bad.group(1)) if bad else 0


TRACKING_LUA = """
local kpjs = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/tracking/" .. kpjs[(i %% #kpjs) + 1])
end
"""

# The part of a script for `OnceEachRounds` that starts each wrk thread at its own line:
# the thread's number plus the round's first line (a %d left for the template).
THREAD_WALK_LUA = """
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end
function init(args)
  idx = tid + %d
end
"""

CREATE_LUA = (
    """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
"""
    + THREAD_WALK_LUA
    + """
request = function()
  local body = bodies[(idx %% #bodies) + 1]
  idx = idx + 2
  return wrk.format("POST", "/api/v1/claims", {["Content-Type"] = "application/json"}, body)
end
"""
)


class OnceEachRounds:
    """wrk rounds that send each request body of a file once across all the rounds (a
    creation, a new SMS message id: sent again, it would be answered without the work). The
    Lua `template` takes the file's path and the first body's index; each wrk thread walks
    every other body from its start, and each round starts after what the rounds before it
    used."""

    def __init__(
        self,
        prefix: Path,
        template: str,
        bodies: Path,
        available: int,
        duration: float,
        connections: int,
    ) -> None:
        self.prefix, self.template, self.bodies = prefix, template, bodies
        self.available, self.duration, self.connections = available, duration, connections
        self.used = 0

    def run(self, base: str) -> tuple[float, int, int]:
        script = self.prefix.with_name(f"{self.prefix.name}-{self.used}.lua")
        script.write_text(self.template % (self.bodies, self.used + 2))
        measured = wrk(base, self.duration, self.connections, script=script)
        # The threads need not keep pace, so skip twice the count: no thread went past that.
        self.used += 2 * measured[1] + 4 * self.connections
        if self.used > self.available:
            # The script wrapped around to bodies already sent: their answers were not the work.
            raise RuntimeError(
                f"{self.available} request bodies were not enough for the rounds: "
                "write more or lower --duration"
            )
        return measured


def measure(url: str, duration: float, connections: int, **options: Any) -> tuple[float, int, int]:
    wrk(url, min(2.0, duration), connections, **options)  # warm-up, not counted
    return wrk(url, duration, connections, **options)


def run_size(claims: int, args: argparse.Namespace, work: Path) -> dict[str, float]:
    """Each scenario `args.repeat` times, each time right after a hello run on the same
    (shared, loaded) machine; the ratio of a round is scenario / that round's hello, and the
    figures recorded are the medians over the rounds."""
    from common import record

    now = datetime.now(UTC)
    folder = work / f"claims-{claims}"
    folder.mkdir()
    env, supervisor = prepare_database(folder, claims, now)
    bodies = folder / "bodies.jsonl"
    available = creation_bodies(claims, now.date(), bodies)
    tracking_lua = folder / "tracking.lua"
    kpjs = ", ".join(f'"{FIRST_KPJ + (i * 7919) % claims}"' for i in range(2000))
    tracking_lua.write_text(TRACKING_LUA % kpjs)
    create_rounds = OnceEachRounds(
        folder / "create", CREATE_LUA, bodies, available, args.duration, args.create_connections
    )

    details = {
        "claims": claims,
        "connections": args.connections,
        "duration_s": args.duration,
        "repeat": args.repeat,
        "workers": 1,
        "load": "wrk -t2",
    }
    hellos: list[float] = []
    rates: dict[str, list[float]] = {"tracking": [], "queue": [], "create": []}
    ratios: dict[str, list[float]] = {"tracking": [], "queue": [], "create": []}
    totals: dict[str, list[int]] = {"tracking": [0, 0], "queue": [0, 0], "create": [0, 0]}

    with (
        server("hello_app:create_app", env) as hello_base,
        server("bench_api:bench_app", env) as base,
    ):
        queue_url = (
            f"{base}/api/v1/officer/claims?branch={QUEUE_BRANCH}&status={QUEUE_STATUS}&limit=50"
        )
        scenarios: dict[str, Any] = {
            "tracking": lambda: measure(base, args.duration, args.connections, script=tracking_lua),
            "queue": lambda: measure(
                queue_url,
                args.duration,
                args.connections,
                headers={"Authorization": f"Bearer {supervisor}"},
            ),
            # Each request a participant never claimed before (no warm-up: it would use them
            # up); the rounds continue through the list. Fewer connections: the writes queue
            # for SQLite's one write lock either way, 64 only make longer queues.
            "create": lambda: create_rounds.run(base),
        }
        for _ in range(args.repeat):
            for name, run in scenarios.items():
                hello, _, _ = measure(hello_base + "/hello", args.duration, args.connections)
                hellos.append(hello)
                rate, total, bad = run()
                rates[name].append(rate)
                ratios[name].append(rate / hello)
                totals[name][0] += total
                totals[name][1] += bad
    hello = statistics.median(hellos)
    record(f"api.hello.{claims}", hello, "req/s", details={**details, "runs": hellos})
    figures = {"hello": hello}
    names = {"tracking": "tracking", "queue": "queue_page", "create": "create_claim"}
    for name, label in names.items():
        ratio = statistics.median(ratios[name])
        figures[name] = ratio
        extra: dict[str, Any] = {"requests": totals[name][0], "non_2xx": totals[name][1]}
        if name == "create":
            extra |= {"bodies": available, "connections": args.create_connections}
        record(
            f"api.{label}.{claims}",
            statistics.median(rates[name]),
            "req/s",
            ratio=ratio,
            target=TARGETS[name],
            higher_is_better=True,
            details={**details, **extra, "ratios": [round(r, 4) for r in ratios[name]]},
        )
        if totals[name][1]:
            print(f"# {name}: {totals[name][1]} of {totals[name][0]} answers were not 2xx")
    return figures


def load_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options of a benchmark that puts a served app under wrk's load and its hello."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are recorded")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    return parser


def main(argv: list[str] | None = None) -> int:
    from common import record

    parser = load_arguments(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument(
        "--create-connections", type=int, default=16, help="wrk connections for claim creation"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    results: dict[int, dict[str, float]] = {}
    try:
        for size in args.sizes:
            results[size] = run_size(size, args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"# data kept in {work}")
    if len(args.sizes) >= 2:
        small, large = results[min(args.sizes)], results[max(args.sizes)]
        for name in ("tracking", "queue", "create"):
            # Cost per request, each normalised by its own run's hello ceiling.
            growth = small[name] / large[name]
            record(
                f"api.{name}.growth_{min(args.sizes)}_to_{max(args.sizes)}",
                growth,
                "x",
                ratio=growth,
                target=GROWTH_LIMIT,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
