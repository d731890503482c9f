"""Starting real `jht` processes for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

JHT = str(Path(sys.executable).with_name("jht"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# A bank gateway address for servers that never pay anyone in a test (the scheduler off, no
# payout made): outside the sandbox `jht serve` starts only with JHT_BANK set.
UNUSED_BANK = "http://127.0.0.1:9/no-payouts-in-this-test"


def jht_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("JHT_")}
    env["JHT_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_jht(
    *arguments: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JHT, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], seconds: float = 60
) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            answer = httpx.get(f"{base_url}/healthz", timeout=2)
            if answer.status_code == 200:
                return dict(answer.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{base_url} did not become healthy")


@dataclass
class Served:
    """A `jht serve` process: its address, and what it wrote on standard error once stopped."""

    base_url: str
    stderr: str = ""


@contextmanager
def served(env: dict[str, str], cwd: Path, *arguments: str) -> Iterator[Served]:
    """`jht serve` on a free port, healthy, then stopped."""
    port = free_port()
    process = subprocess.Popen(
        [JHT, "serve", "--port", str(port), *arguments],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Served(f"http://127.0.0.1:{port}")
    try:
        wait_until_healthy(server.base_url, process)
        yield server
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
        server.stderr = stderr.decode()
