"""The lock file and its audit (tasks.py): what CI installs is exactly what was locked, and an
advisory is either fixed or accepted with a reason until a date."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tasks = load_tasks()


def normalised(requirement: str) -> str:
    name = re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_was_written_from_the_dependencies_of_pyproject() -> None:
    # A dependency added to pyproject.toml without `python3 tasks.py lock` fails here (and
    # tasks.py refuses to install), instead of the new package quietly missing in CI.
    lock_text = (ROOT / "requirements.lock").read_text()
    assert tasks.lock_digest(lock_text) == tasks.dependencies_digest(
        (ROOT / "pyproject.toml").read_text()
    )


def test_the_digest_follows_dependencies_and_nothing_else() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    digest = tasks.dependencies_digest(text)
    assert (
        tasks.dependencies_digest(text.replace("line-length = 100", "line-length = 99")) == digest
    )
    assert (
        tasks.dependencies_digest(text.replace('"httpx>=0.27,<1",', '"httpx>=0.28,<1",')) != digest
    )


def test_every_package_is_pinned_with_hashes_and_every_dependency_is_locked() -> None:
    lock_text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z])", lock_text.split("\n", 1)[1])
    pinned = {}
    for entry in entries:
        if entry.startswith("#") or not entry.strip():
            continue
        head = entry.split(" ", 1)[0]
        assert "==" in head, entry
        assert "--hash=sha256:" in entry, f"{head} has no hash"
        name, version = head.split("==")
        pinned[normalised(name)] = version
    pyproject: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [
        *pyproject["project"]["dependencies"],
        *pyproject["project"]["optional-dependencies"]["dev"],
        *tasks.lock_inputs(pyproject),
    ]
    missing = {normalised(requirement) for requirement in wanted} - set(pinned)
    assert not missing
    assert tasks.locked_versions(lock_text)["fastapi"] == pinned["fastapi"]


def test_the_virtualenv_is_reinstalled_when_the_lock_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text((ROOT / "requirements.lock").read_text())
    monkeypatch.setattr(tasks, "LOCK", lock)
    before = tasks.venv_fingerprint()
    lock.write_text(lock.read_text().replace("fastapi==", "fastapi==0.0.0+"))
    assert tasks.venv_fingerprint() != before


def test_audit_exceptions_expire() -> None:
    text = "# comment\nPYSEC-2099-1  2027-01-31  no fix released; the code path is unused\n"
    (accepted,) = tasks.read_audit_exceptions(text, date(2027, 1, 31))
    assert accepted.vulnerability == "PYSEC-2099-1" and accepted.expires == date(2027, 1, 31)
    with pytest.raises(tasks.AuditFailure, match="expired on 2027-01-31"):
        tasks.read_audit_exceptions(text, date(2027, 2, 1))
    with pytest.raises(tasks.AuditFailure, match="line 1"):
        tasks.read_audit_exceptions("PYSEC-2099-1 no-date reason\n", date(2027, 1, 1))
    with pytest.raises(tasks.AuditFailure, match="line 1"):
        tasks.read_audit_exceptions("PYSEC-2099-1 2027-01-31\n", date(2027, 1, 1))  # no reason


def test_the_projects_exceptions_file_is_valid_today() -> None:
    text = (ROOT / ".ci" / "audit-exceptions").read_text()
    for accepted in tasks.read_audit_exceptions(text, date.today()):
        assert accepted.reason


def newest(versions: dict[str, tuple[str, list[dict[str, Any]]]]) -> Any:
    def latest(name: str) -> tuple[str, list[dict[str, Any]]]:
        if name not in versions:
            raise OSError("unreachable")
        return versions[name]

    return latest


def test_the_audit_reports_open_advisories_and_honours_exceptions() -> None:
    report = {
        "dependencies": [
            {"name": "alpha", "version": "1.0", "vulns": [{"id": "PYSEC-1", "aliases": ["CVE-1"], "fix_versions": ["1.1"]}]},
            {"name": "beta", "version": "2.0", "vulns": [{"id": "GHSA-x", "aliases": ["CVE-2"], "fix_versions": []}]},
            {"name": "gamma", "version": "3.0", "vulns": []},
        ]
    }  # fmt: skip
    found, unaudited = tasks.judge_audit(report, {}, {"CVE-2"}, newest({}))
    assert found == ["alpha 1.0: PYSEC-1 (fixed in: 1.1)"] and unaudited == []


def test_without_per_version_advisories_the_newest_release_is_checked_or_named() -> None:
    # Where PyPI's per-version endpoint is refused, pip-audit skips every package: each is then
    # checked against the advisories of its newest release when the lock pins exactly that.
    skipped = "Dependency not found on PyPI and could not be audited"
    report = {
        "dependencies": [
            {"name": "alpha", "skip_reason": skipped},
            {"name": "beta", "skip_reason": skipped},
            {"name": "gamma", "skip_reason": skipped},
            {"name": "delta", "skip_reason": skipped},
        ]
    }
    versions = {"alpha": "1.0", "beta": "2.0", "gamma": "3.0", "delta": "4.0"}
    advisory = {"id": "PYSEC-9", "aliases": [], "fixed_in": ["1.1"], "withdrawn": None}
    withdrawn = {"id": "PYSEC-8", "aliases": [], "fixed_in": [], "withdrawn": "2026-01-01"}
    latest = newest(
        {"alpha": ("1.0", [advisory, withdrawn]), "beta": ("2.1", []), "gamma": ("3.0", [])}
    )
    found, unaudited = tasks.judge_audit(report, versions, set(), latest)
    assert found == ["alpha 1.0: PYSEC-9 (fixed in: 1.1)"]
    assert unaudited == ["beta 2.0 (newest is 2.1)", "delta 4.0 (OSError)"]


def test_an_audit_that_audited_nothing_fails() -> None:
    report = {"dependencies": [{"name": "alpha", "skip_reason": "not found"}]}
    with pytest.raises(tasks.AuditFailure, match="no locked package could be audited"):
        tasks.judge_audit(report, {"alpha": "1.0"}, set(), newest({}))
