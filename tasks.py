#!/usr/bin/env python3
"""The two commands of the README, needing nothing but python3:

    python3 tasks.py serve    set up (virtualenv, install) and start the sandbox service with samples
    python3 tasks.py test     set up and run the whole test suite (pytest arguments may follow)
    python3 tasks.py lint     ruff, mypy and the import layers (import-linter)

The virtualenv lives in .venv and is reinstalled whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".installed-from"
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_virtualenv() -> None:
    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    if not (BIN / "python").exists():
        say("creating the virtualenv in .venv")
        venv.create(VENV, with_pip=True)
    say("installing jht-claims and its development tools (first time takes a minute)")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(fingerprint)


def ensure_chromium() -> None:
    """The page tests drive Debian's Chromium; install it when we can (root with apt-get)."""
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=quiet)
        run("apt-get", "install", "-y", "-qq", "chromium", "fonts-dejavu-core", env=quiet)
    else:
        say("chromium is not installed and cannot be installed here: browser tests will skip")


def serve(arguments: list[str]) -> None:
    # The README's first command is for trying the service: the sandbox (synthetic samples,
    # sample officers, the simulated bank), unless the environment says otherwise. A real
    # deployment runs `jht serve` with its own settings (docs/operations.md).
    sandbox = os.environ.setdefault("JHT_SANDBOX", "true").strip().lower() in {
        "1",
        "true",
        "on",
        "yes",
    }
    if sandbox:
        say("SANDBOX: samples, sample officers and the simulated bank; nothing pays anyone")
    ensure_virtualenv()
    os.execv(BIN / "jht", [str(BIN / "jht"), "serve", *arguments])


def test(arguments: list[str]) -> None:
    ensure_virtualenv()
    ensure_chromium()
    where = os.environ.get(
        "JHT_TEST_DATABASE_URL", "SQLite (set JHT_TEST_DATABASE_URL for PostgreSQL)"
    )
    say(f"running the test suite on {where}")
    run(BIN / "pytest", *arguments)


def lint(_arguments: list[str]) -> None:
    ensure_virtualenv()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    run(BIN / "lint-imports")


COMMANDS = {"serve": serve, "test": test, "lint": lint}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
