"""Balance benchmark (quality.md, "balance (signed in) and SMS"): a signed-in participant's
`GET /api/v1/participant/account` as a ratio to the "hello" ceiling measured in the same run
with the same load generator; target at least 0.30.

Usage: python bench/bench_balance.py [--claims 10000] [--sessions 2000] [--duration 10]
       [--connections 64] [--repeat 3]

The database is bench_api.py's (a fresh data folder, `jht db upgrade`, participants and one
claim each by bulk SQL). Before each round `--sessions` new participant sessions are written
straight into it as the sign-in writes them (the token's hash, the KPJ, the registry's NIK,
12 hours), last used at moments spread over the minute before, and wrk walks their bearer
tokens. The route moves a session's idle clock at most once a minute; with the last uses
spread, those writes come spread as in a steady state, not in one burst. The server is
bench_api.bench_app (the product's create_app with generous rate limits), 1 worker, as
`jht serve` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_api import measure, prepare_database, server, sql_time  # noqa: E402
from generate_participants import FIRST_KPJ  # noqa: E402

TARGET = 0.30

ACCOUNT_LUA = """
local tokens = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/participant/account",
    {["Authorization"] = "Bearer " .. tokens[(i %% #tokens) + 1]})
end
"""


def add_sessions(database: Path, claims: int, count: int, now: datetime) -> list[str]:
    """`count` live participant sessions, spread over the participants with a claim; answers
    their bearer tokens."""
    connection = sqlite3.connect(database, timeout=30)
    tokens = []
    rows = []
    for i in range(count):
        kpj = str(FIRST_KPJ + (i * 7919) % claims)
        (nik,) = connection.execute("SELECT nik FROM participants WHERE kpj = ?", (kpj,)).fetchone()
        token = secrets.token_urlsafe(32)
        tokens.append(token)
        # Last used at some moment of the past minute, as in a steady state: each session's
        # idle clock is then moved once a minute, spread over it, not all in one burst.
        seen = now - timedelta(seconds=i % 60)
        rows.append(
            (
                hashlib.sha256(token.encode()).hexdigest(),
                "participant",
                kpj,
                nik,
                None,
                sql_time(seen),
                sql_time(seen),
                sql_time(seen + timedelta(hours=12)),
                None,
            )
        )
    connection.executemany(
        "INSERT INTO participant_sessions (token_hash, purpose, kpj, nik, claim_id, created_at, "
        "last_seen_at, expires_at, ended_at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
    connection.commit()
    connection.close()
    return tokens


def main(argv: list[str] | None = None) -> int:
    from common import record

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are recorded")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-balance-"))
    try:
        now = datetime.now(UTC)
        env, _ = prepare_database(work, args.claims, now)
        hellos: list[float] = []
        rates: list[float] = []
        ratios: list[float] = []
        requests = bad = 0
        with (
            server("hello_app:create_app", env) as hello_base,
            server("bench_api:bench_app", env) as base,
        ):
            for round_ in range(args.repeat):
                hello, _, _ = measure(hello_base + "/hello", args.duration, args.connections)
                # New sessions for each round, last used during the minute before it.
                tokens = add_sessions(
                    work / "jht.sqlite3", args.claims, args.sessions, datetime.now(UTC)
                )
                script = work / f"account-{round_}.lua"
                script.write_text(ACCOUNT_LUA % ", ".join(f'"{token}"' for token in tokens))
                rate, total, non_2xx = measure(base, args.duration, args.connections, script=script)
                hellos.append(hello)
                rates.append(rate)
                ratios.append(rate / hello)
                requests += total
                bad += non_2xx
    finally:
        shutil.rmtree(work, ignore_errors=True)
    details = {
        "claims": args.claims,
        "sessions": args.sessions,
        "connections": args.connections,
        "duration_s": args.duration,
        "repeat": args.repeat,
        "workers": 1,
        "load": "wrk -t2",
        "requests": requests,
        "non_2xx": bad,
        "hello_runs": hellos,
        "ratios": [round(r, 4) for r in ratios],
    }
    record(f"api.hello.balance.{args.claims}", statistics.median(hellos), "req/s")
    passed = record(
        f"api.balance.{args.claims}",
        statistics.median(rates),
        "req/s",
        ratio=statistics.median(ratios),
        target=TARGET,
        higher_is_better=True,
        details=details,
    )
    if bad:
        print(f"# balance: {bad} of {requests} answers were not 2xx")
        return 1
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
