#!/usr/bin/env python3
"""The two commands of the README, needing nothing but python3:

    python3 tasks.py serve    set up (virtualenv, install) and start the sandbox service with samples
    python3 tasks.py test     set up and run the whole test suite (pytest arguments may follow)
    python3 tasks.py lint     ruff, mypy and the import layers (import-linter)
    python3 tasks.py lock     write requirements.lock again from pyproject.toml (keeps the
                              pins it can; `--upgrade` or `--upgrade-package NAME` moves them)
    python3 tasks.py audit    pip-audit of requirements.lock (exceptions: .ci/audit-exceptions)
    python3 tasks.py messages extract the words' keys from the code and templates and add the
                              new ones to both catalogues, claims/locales/{id,en} (Babel); exits
                              1 while a key is untranslated or unused (tests/unit/test_catalogues.py)

The virtualenv lives in .venv and installs exactly requirements.lock, every file checked
against its hash; it is reinstalled whenever pyproject.toml or the lock changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
import venv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".installed-from"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
AUDIT_EXCEPTIONS = ROOT / ".ci" / "audit-exceptions"
# The tool that writes the lock; it only writes a file that is then reviewed, so it is not
# itself part of the lock. Pinned so that everyone's lock comes out the same.
UV = "uv==0.13.10"
# The one platform the lock is resolved for (CI's and the developers' machines).
LOCK_TARGET = ("3.11", "x86_64-unknown-linux-gnu")
# Written into the lock: the dependencies it was resolved from, so that a pyproject.toml
# changed without `tasks.py lock` is caught before anything is installed.
DIGEST_LINE = "# dependencies-sha256: "


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def lock_inputs(pyproject: dict[str, Any]) -> list[str]:
    """Beside the project's dependencies, the lock holds what installs it: pip and the build
    backend (the editable install runs without build isolation, so nothing is fetched
    unchecked)."""
    return ["pip", *pyproject["build-system"]["requires"]]


def dependencies_digest(pyproject_text: str) -> str:
    """A digest of everything the lock is resolved from, and of nothing else in pyproject.toml
    (a lint setting changes no dependency)."""
    pyproject = tomllib.loads(pyproject_text)
    project = pyproject["project"]
    inputs = {
        "dependencies": project.get("dependencies", []),
        "optional": project.get("optional-dependencies", {}),
        "python": project.get("requires-python"),
        "tooling": lock_inputs(pyproject),
        "target": LOCK_TARGET,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def lock_digest(lock_text: str) -> str | None:
    for line in lock_text.splitlines():
        if line.startswith(DIGEST_LINE):
            return line.removeprefix(DIGEST_LINE).strip()
    return None


def check_lock_is_current() -> None:
    if not LOCK.exists():
        say(f"{LOCK.name} is missing: run `python3 tasks.py lock`")
        sys.exit(1)
    if lock_digest(LOCK.read_text()) != dependencies_digest(PYPROJECT.read_text()):
        say(
            f"the dependencies in pyproject.toml changed since {LOCK.name} was written: "
            "run `python3 tasks.py lock` and commit both files"
        )
        sys.exit(1)


def venv_fingerprint() -> str:
    """What the virtualenv was installed from: a change to either file reinstalls it."""
    return hashlib.sha256(PYPROJECT.read_bytes() + b"\0" + LOCK.read_bytes()).hexdigest()


def ensure_virtualenv() -> None:
    check_lock_is_current()
    fingerprint = venv_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    if not (BIN / "python").exists():
        say("creating the virtualenv in .venv")
        venv.create(VENV, with_pip=True)
    say("installing the locked dependencies, each checked against its hash (first time ~2 min)")
    pip = (BIN / "python", "-m", "pip")
    run(*pip, "install", "--quiet", "--require-hashes", "-r", LOCK)
    # The project itself: its dependencies are all in the lock, and its build backend too.
    run(*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ".")
    run(*pip, "check")  # a lock that misses a dependency fails here, not in a test
    STAMP.write_text(fingerprint)


# Debian's packages the tests drive as real peers: Chromium for the pages, nginx as the
# reverse proxy in front of the service (tests/e2e/test_behind_proxy.py).
TEST_PROGRAMS = {
    Path("/usr/bin/chromium"): ("chromium", "fonts-dejavu-core"),
    Path("/usr/sbin/nginx"): ("nginx",),
}


def ensure_test_programs() -> None:
    """Install the missing ones when we can (root with apt-get); else their tests skip."""
    missing = [
        package
        for path, packages in TEST_PROGRAMS.items()
        if not path.exists()
        for package in packages
    ]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing Debian's {', '.join(missing)} for the browser and proxy tests")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=quiet)
        run("apt-get", "install", "-y", "-qq", *missing, env=quiet)
    else:
        say(f"{', '.join(missing)} cannot be installed here: the tests needing them will skip")


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
    ensure_test_programs()
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


def messages(_arguments: list[str]) -> None:
    ensure_virtualenv()
    run(BIN / "python", "-m", "claims.catalogue_tools")


def lock(arguments: list[str]) -> None:
    """Resolves pyproject.toml (with the dev extra and `lock_inputs`) for `LOCK_TARGET` into
    requirements.lock with every file's hash. uv keeps the pins already in the lock unless
    told `--upgrade` / `--upgrade-package NAME` (passed through)."""
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    uv = BIN / "uv"
    if not uv.exists() or UV.split("==")[1] not in _output(uv, "--version"):
        run(BIN / "python", "-m", "pip", "install", "--quiet", UV)
    pyproject_text = PYPROJECT.read_text()
    tooling = "\n".join(lock_inputs(tomllib.loads(pyproject_text))) + "\n"
    python_version, platform = LOCK_TARGET
    # uv reads the tooling from standard input ("-"); its own index settings, not pip's.
    result = subprocess.run(
        [
            str(uv), "pip", "compile", "pyproject.toml", "-", "--extra", "dev",
            "--generate-hashes", "--python-version", python_version,
            "--python-platform", platform, "--custom-compile-command", "python3 tasks.py lock",
            "--quiet", "-o", LOCK.name, *arguments,
        ],
        cwd=ROOT, input=tooling, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(result.returncode)
    body = [line for line in LOCK.read_text().splitlines() if not line.startswith(DIGEST_LINE)]
    LOCK.write_text(
        f"{DIGEST_LINE}{dependencies_digest(pyproject_text)}\n" + "\n".join(body) + "\n"
    )
    say(f"wrote {LOCK.name}; commit it with pyproject.toml")


class AuditFailure(Exception):
    """The audit cannot pass: an expired or malformed exception, or nothing audited."""


class AuditException(NamedTuple):
    vulnerability: str
    expires: date
    reason: str


def read_audit_exceptions(text: str, today: date) -> list[AuditException]:
    """The lines of .ci/audit-exceptions: `ID YYYY-MM-DD reason`, '#' starting a comment. An
    exception lasts until the end of its date; after that the audit fails until it is renewed
    (with a reason) or the package is upgraded."""
    exceptions = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(maxsplit=2)
        try:
            vulnerability, expires, reason = parts[0], date.fromisoformat(parts[1]), parts[2]
        except (IndexError, ValueError):
            raise AuditFailure(
                f"audit-exceptions line {number}: expected `ID YYYY-MM-DD reason`, got {raw!r}"
            ) from None
        if expires < today:
            raise AuditFailure(
                f"audit exception {vulnerability} expired on {expires} ({reason}): "
                "upgrade the package or renew the exception with a reason"
            )
        exceptions.append(AuditException(vulnerability, expires, reason))
    return exceptions


def locked_versions(lock_text: str) -> dict[str, str]:
    versions = {}
    for line in lock_text.splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ", 1)[0].split("==", 1)
            versions[name.lower()] = version
    return versions


def latest_release(name: str) -> tuple[str, list[dict[str, Any]]]:
    """The newest version of `name` on PyPI and the advisories that affect it (PyPI's JSON API
    gives the advisories of the newest release only)."""
    url = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(url, timeout=30) as answer:
        data = json.load(answer)
    return str(data["info"]["version"]), list(data.get("vulnerabilities") or [])


def judge_audit(
    report: dict[str, Any],
    versions: dict[str, str],
    ignored: set[str],
    latest: Callable[[str], tuple[str, list[dict[str, Any]]]],
) -> tuple[list[str], list[str]]:
    """pip-audit's JSON report -> (advisories open against the lock, packages not audited).

    pip-audit asks PyPI for the advisories of each pinned version; where that is refused (the
    per-version endpoint is not reachable from every network) the package is checked against
    the advisories of its newest release when the lock pins exactly that release, and is
    otherwise named as not audited."""
    open_advisories: list[str] = []
    unaudited: list[str] = []
    for dependency in report.get("dependencies", []):
        name = dependency["name"].lower()
        version = versions.get(name, dependency.get("version", "?"))
        advisories = dependency.get("vulns", [])
        if "skip_reason" in dependency:
            try:
                newest, advisories = latest(name)
            except OSError as error:
                unaudited.append(f"{name} {version} ({type(error).__name__})")
                continue
            if newest != version:
                unaudited.append(f"{name} {version} (newest is {newest})")
                continue
            advisories = [advisory for advisory in advisories if not advisory.get("withdrawn")]
        for advisory in advisories:
            names = {advisory["id"], *advisory.get("aliases", [])}
            if names & ignored:
                continue
            fixed = ", ".join(advisory.get("fix_versions") or advisory.get("fixed_in") or [])
            open_advisories.append(f"{name} {version}: {advisory['id']} (fixed in: {fixed or '-'})")
    if report.get("dependencies") and len(unaudited) == len(report["dependencies"]):
        raise AuditFailure("no locked package could be audited: is PyPI reachable?")
    return open_advisories, unaudited


def audit(_arguments: list[str]) -> None:
    ensure_virtualenv()
    try:
        exceptions = read_audit_exceptions(
            AUDIT_EXCEPTIONS.read_text() if AUDIT_EXCEPTIONS.exists() else "", date.today()
        )
    except AuditFailure as failure:
        say(str(failure))
        sys.exit(1)
    ignored = {exception.vulnerability for exception in exceptions}
    with tempfile.TemporaryDirectory() as folder:
        report_file = Path(folder) / "audit.json"
        command = [BIN / "pip-audit", "-r", LOCK, "--require-hashes", "--disable-pip"]
        command += ["--progress-spinner", "off", "-f", "json", "-o", report_file]
        for vulnerability in sorted(ignored):
            command += ["--ignore-vuln", vulnerability]
        # Its own summary is not printed: where it could reach no advisory it still says "No
        # known vulnerabilities found"; the verdict below says what was audited and how.
        answer = subprocess.run(
            [str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if not report_file.exists():
            print(answer.stdout + answer.stderr, file=sys.stderr)
            sys.exit(answer.returncode or 1)
        report = json.loads(report_file.read_text())
    try:
        found, unaudited = judge_audit(
            report, locked_versions(LOCK.read_text()), ignored, latest_release
        )
    except AuditFailure as failure:
        say(str(failure))
        sys.exit(1)
    for exception in exceptions:
        say(f"accepted until {exception.expires}: {exception.vulnerability} ({exception.reason})")
    if unaudited:
        say(f"not audited here ({len(unaudited)}): " + "; ".join(unaudited))
    if found:
        say(f"{len(found)} open advisories in {LOCK.name}:")
        for line in found:
            print(f"    {line}", file=sys.stderr)
        sys.exit(1)
    audited = len(report.get("dependencies", [])) - len(unaudited)
    say(f"pip-audit: no open advisory in {audited} audited packages of {LOCK.name}")


def _output(*command: str | Path) -> str:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    return result.stdout


COMMANDS = {
    "serve": serve,
    "test": test,
    "lint": lint,
    "lock": lock,
    "audit": audit,
    "messages": messages,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
