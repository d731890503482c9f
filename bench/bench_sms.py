"""SMS benchmark (quality.md, Performance: "an inbound SMS answered (reply queued) at least
0.10 of hello"): signed `SALDO <KPJ>` messages from a registered phone posted to
`POST /api/v1/sms/inbound`, each with a new `message_id` (a replay would be answered without
any work), as a ratio to the "hello" ceiling measured in the same run with the same load
generator.

Usage: python bench/bench_sms.py [--duration 10] [--connections 64] [--repeat 3]

A fresh data folder: the schema migrated by `jht db upgrade`, the sample participants
imported, and one phone registered for a KPJ by `jht sms simulate ... DAFTAR SALDO ...`
(through the product, as a participant would). The server is the product's `create_app()`
under uvicorn, 1 worker, `JHT_SMS_SECRET` set, through `bench_app()` below, which raises the
rate limits (all the messages come from one phone about one KPJ: the SMS limits of 10 an
hour would otherwise answer all but ten of them "too many requests") and switches the
scheduler off. The signed bodies are written beforehand (wrk's Lua has no HMAC), one per
request; each wrk thread walks every other one from its start, and each round starts after
the bodies the earlier rounds used. Every request's reply is queued in the outbox; the count
of queued replies is checked against wrk's count of answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_api import (  # noqa: E402
    GENEROUS,
    THREAD_WALK_LUA,
    OnceEachRounds,
    jht,
    load_arguments,
    measure,
    server,
)

SECRET = "bench-sms-secret"
PHONE = "081234567890"
# Budi Santoso of samples/participants.csv: NIK, birth date, KPJ.
NIK, BORN, KPJ = "3101012111700001", "21-11-1970", "26000000001"
TARGET = 0.10
# Bodies per second of measurement written beforehand: well above what one worker answers.
BODIES_PER_SECOND = 4000

SMS_LUA = (
    """
local bodies = {}
local signatures = {}
for line in io.lines("%s") do
  local space = line:find(" ")
  signatures[#signatures + 1] = line:sub(1, space - 1)
  bodies[#bodies + 1] = line:sub(space + 1)
end
"""
    + THREAD_WALK_LUA
    + """
request = function()
  local at = (idx %% #bodies) + 1
  idx = idx + 2
  return wrk.format("POST", "/api/v1/sms/inbound",
    {["Content-Type"] = "application/json", ["X-Signature"] = signatures[at]}, bodies[at])
end
"""
)


def bench_app() -> Any:
    """The uvicorn factory: the product's app with generous rate limits (see the docstring)."""
    from claims.app import create_app
    from claims.ratelimits import RateLimits

    return create_app(
        rate_limits=RateLimits(
            default_per_client=GENEROUS, sms_per_phone=GENEROUS, sms_per_kpj=GENEROUS
        )
    )


def server_env(folder: Path) -> dict[str, str]:
    """The environment of `jht` and the servers: this folder, the secret, no scheduler."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JHT_")}
    env.update(
        JHT_DATA_DIR=str(folder),
        JHT_SCHEDULER="off",
        JHT_SMS_SECRET=SECRET,
        # Outside the sandbox a bank must be named; the scheduler is off, so none is called.
        JHT_BANK="http://127.0.0.1:9/no-payouts-in-this-benchmark",
    )
    return env


def write_bodies(path: Path, count: int) -> None:
    """`count` lines of `<signature> <body>`: SALDO from the registered phone, each its own id."""
    key = SECRET.encode()
    with path.open("w") as out:
        for index in range(count):
            body = json.dumps(
                {
                    "message_id": f"bench-{index:09d}",
                    "from": PHONE,
                    "to": "2757",
                    "text": f"SALDO {KPJ}",
                    "received_at": "2026-11-16T03:00:00+00:00",
                },
                separators=(",", ":"),
            )
            signature = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
            out.write(f"{signature} {body}\n")


def queued_replies(folder: Path) -> int:
    connection = sqlite3.connect(folder / "jht.sqlite3")
    try:
        row = connection.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'sms' AND payload LIKE '%Saldo JHT%'"
        ).fetchone()
        return int(row[0])
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    from common import record

    parser = load_arguments(__doc__)
    parser.add_argument("--hello-connections", type=int, default=64)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    try:
        env = server_env(folder)
        jht(env, "db", "upgrade")
        jht(env, "participants", "import", str(ROOT / "samples" / "participants.csv"))
        reply = jht(env, "sms", "simulate", PHONE, f"DAFTAR SALDO#{NIK}#{BORN}#{KPJ}")
        assert reply.startswith("Pendaftaran berhasil"), reply
        available = int(BODIES_PER_SECOND * args.duration * args.repeat) + 10_000
        bodies = folder / "bodies.txt"
        write_bodies(bodies, available)
        rounds = OnceEachRounds(
            folder / "sms", SMS_LUA, bodies, available, args.duration, args.connections
        )

        hellos: list[float] = []
        rates: list[float] = []
        ratios: list[float] = []
        requests = non_2xx = 0
        with (
            server("hello_app:create_app", env) as hello_base,
            server("bench_sms:bench_app", env) as base,
        ):
            for _ in range(args.repeat):
                hello, _, _ = measure(hello_base + "/hello", args.duration, args.hello_connections)
                rate, total, bad = rounds.run(base)
                hellos.append(hello)
                rates.append(rate)
                ratios.append(rate / hello)
                requests += total
                non_2xx += bad
        queued = queued_replies(folder)
        details = {
            "duration_s": args.duration,
            "connections": args.connections,
            "hello_connections": args.hello_connections,
            "repeat": args.repeat,
            "workers": 1,
            "load": "wrk -t2",
            "requests": requests,
            "non_2xx": non_2xx,
            "replies_queued": queued,
            "hello_runs": hellos,
            "ratios": [round(r, 4) for r in ratios],
        }
        record("sms.hello", statistics.median(hellos), "req/s", details=details)
        passed = record(
            "sms.inbound_saldo",
            statistics.median(rates),
            "req/s",
            ratio=statistics.median(ratios),
            target=TARGET,
            higher_is_better=True,
            details=details,
        )
        # wrk counts the requests it was answered; a request still open when a round ended
        # may have been answered after: at least that many replies, at most a few more.
        if non_2xx or queued < requests:
            print(f"# {non_2xx} non-2xx answers; {queued} replies queued for {requests} requests")
            return 1
        return 0 if passed else 1
    finally:
        if args.keep:
            print(f"# data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
