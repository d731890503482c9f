"""The `jht` command as an operator uses it: real processes, a real data folder."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import httpx

from claims.registry.csv_rows import PARTICIPANT_COLUMNS
from tests.e2e.serving import UNUSED_BANK, free_port, jht_env, run_jht, served

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_import_then_officer_token_alone_on_stdout(tmp_path: Path) -> None:
    env = jht_env(tmp_path / "var")
    assert (
        run_jht(
            "branches", "import", str(SAMPLES / "branches.csv"), env=env, cwd=tmp_path
        ).returncode
        == 0
    )
    result = run_jht(
        "participants", "import", str(SAMPLES / "participants.csv"), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "68 imported" in result.stderr
    added = run_jht(
        "officers",
        "add",
        "--name",
        "Ani",
        "--branch",
        "JKT-SLB",
        "--role",
        "verifier",
        "--role",
        "approver",
        env=env,
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert "\n" not in token and len(token) >= 40
    assert token not in added.stderr
    missing_branch = run_jht(
        "officers", "add", "--name", "B", "--role", "verifier", env=env, cwd=tmp_path
    )
    assert missing_branch.returncode == 2 and "--branch is required" in missing_branch.stderr
    assert missing_branch.stdout == ""


def test_bad_lines_are_listed_and_exit_1(tmp_path: Path) -> None:
    env = jht_env(tmp_path / "var")
    good = "26000000001,3101012111700001,Budi Santoso,1970-11-21,M,1996-11-21,inactive,PT A,,1,b@c.id,081200000000,false"
    bad = good.replace("26000000001", "26000000002").replace("1970-11-21,M", "1970-13-21,M")
    csv = tmp_path / "p.csv"
    csv.write_text(",".join(PARTICIPANT_COLUMNS) + f"\n{good}\n{bad}\n")
    result = run_jht("participants", "import", str(csv), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "line 3: birth_date" in result.stderr
    assert "1 imported" in result.stderr


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = jht_env(
        tmp_path / "var",
        JHT_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/test",
        JHT_BANK=UNUSED_BANK,
    )
    result = run_jht("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot use the database")


def test_serve_on_a_fresh_folder_loads_samples_and_answers_health(tmp_path: Path) -> None:
    """The sandbox, as the README's first command starts it: its first line says so."""
    with served(jht_env(tmp_path / "var", JHT_SANDBOX="true"), tmp_path) as server:
        health = httpx.get(f"{server.base_url}/healthz").json()
        assert health["status"] == "ok" and health["database"] == "ok"
        assert httpx.get(f"{server.base_url}/docs").status_code == 200
        tokens = (tmp_path / "var" / "sample-officers.csv").read_text().splitlines()
        assert len(tokens) > 10
        assert (tmp_path / "var" / "sample-officers.csv").stat().st_mode & 0o777 == 0o600
    first_line = server.stderr.splitlines()[0]
    assert first_line.startswith("SANDBOX:") and "simulated bank" in first_line


def test_outside_the_sandbox_serve_needs_a_real_bank(tmp_path: Path) -> None:
    """A production start without JHT_BANK, or with the play bank: one line saying what to
    set, exit 2, nothing created."""
    refusals: list[dict[str, str]] = [
        {},
        {"JHT_BANK": "simulated"},
        {"JHT_SANDBOX": "false", "JHT_BANK": "simulated"},
        {"JHT_BANK": "ftp://bank.example"},
    ]
    for extra in refusals:
        env = jht_env(tmp_path / "var", **extra)
        result = run_jht("serve", "--port", str(free_port()), env=env, cwd=tmp_path)
        assert result.returncode == 2, extra
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "JHT_BANK" in lines[0] and "Traceback" not in result.stderr
        assert not (tmp_path / "var" / "jht.sqlite3").exists()
    scheduler = run_jht("scheduler", env=jht_env(tmp_path / "var"), cwd=tmp_path)
    assert scheduler.returncode == 2 and "JHT_BANK" in scheduler.stderr


def test_outside_the_sandbox_no_samples_and_no_sample_officers(tmp_path: Path) -> None:
    env = jht_env(tmp_path / "var", JHT_BANK=UNUSED_BANK)
    asked = run_jht("serve", "--port", str(free_port()), "--samples", env=env, cwd=tmp_path)
    assert asked.returncode == 2 and "only in the sandbox" in asked.stderr
    with served(env, tmp_path) as server:
        with sqlite3.connect(tmp_path / "var" / "jht.sqlite3") as database:
            counts = [
                database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("participants", "officers")
            ]
        assert counts == [0, 0]
    assert "SANDBOX" not in server.stderr
    assert not (tmp_path / "var" / "sample-officers.csv").exists()
    assert not (tmp_path / "var" / "samples").exists()


def _officer_cli(tmp_path: Path) -> dict[str, str]:
    """A data folder with the sample branches imported."""
    env = jht_env(tmp_path / "var")
    imported = run_jht("branches", "import", str(SAMPLES / "branches.csv"), env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    return env


def _add_officer(
    env: dict[str, str], tmp_path: Path, name: str, role: str
) -> subprocess.CompletedProcess[str]:
    """`jht officers add` in branch JKT-SLB, which succeeded: its token alone on stdout."""
    added = run_jht(
        "officers",
        "add",
        "--name",
        name,
        "--role",
        role,
        "--branch",
        "JKT-SLB",
        env=env,
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    return added


def _officer_lookup(tmp_path: Path, token: str) -> int | None:
    """The id of the active officer `token` names, read from the data folder's database."""
    from claims.db import Database
    from claims.repositories.credentials import active_officer_by_token

    db = Database(f"sqlite:///{tmp_path / 'var' / 'jht.sqlite3'}")
    try:
        found = active_officer_by_token(db, token)
        return None if found is None else found.id
    finally:
        db.dispose()


def test_a_supervisor_with_an_acting_role_is_refused(tmp_path: Path) -> None:
    env = _officer_cli(tmp_path)
    arguments = ["officers", "add", "--name", "Sri", "--role", "supervisor", "--role", "approver"]
    refused = run_jht(*arguments, "--branch", "JKT-SLB", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "supervisor" in refused.stderr and "approver" in refused.stderr
    assert "Traceback" not in refused.stderr
    added = _add_officer(env, tmp_path, "Sri", "verifier")
    assert "officer 1 " in added.stderr  # the refused one was never created


def test_rotate_prints_a_new_token_once_and_the_old_one_dies(tmp_path: Path) -> None:
    env = _officer_cli(tmp_path)
    added = _add_officer(env, tmp_path, "Ani", "finance")
    old = added.stdout.strip()
    rotated = run_jht("officers", "rotate", "1", env=env, cwd=tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    assert rotated.stdout == new + "\n" and len(new) >= 40 and new != old
    assert new not in rotated.stderr and "officer 1" in rotated.stderr
    assert _officer_lookup(tmp_path, old) is None
    assert _officer_lookup(tmp_path, new) == 1
    unknown = run_jht("officers", "rotate", "42", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "no officer with id 42" in unknown.stderr


def test_deactivate_kills_the_token(tmp_path: Path) -> None:
    env = _officer_cli(tmp_path)
    added = _add_officer(env, tmp_path, "Ani", "verifier")
    token = added.stdout.strip()
    assert _officer_lookup(tmp_path, token) == 1
    deactivated = run_jht("officers", "deactivate", "1", env=env, cwd=tmp_path)
    assert deactivated.returncode == 0, deactivated.stderr
    assert deactivated.stdout == "" and "officer 1" in deactivated.stderr
    assert _officer_lookup(tmp_path, token) is None
    again = run_jht("officers", "deactivate", "1", env=env, cwd=tmp_path)
    assert again.returncode == 2 and "already deactivated" in again.stderr
    rotated = run_jht("officers", "rotate", "1", env=env, cwd=tmp_path)
    assert rotated.returncode == 2 and rotated.stdout == ""
