"""Files and logs (issue 16, item 8): `jht demo` drives every flow in a real process with every
log line at DEBUG; afterwards no log line and no `outbox.last_error` holds a NIK, a KPJ, a bank
account number or a token, and everything in the data folder was private from birth."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.e2e.serving import jht_env

# Runs `jht demo` as the command does, after three things the command leaves alone: an
# ordinary umask (022, so private files must come from the service, not the shell), every
# logger at DEBUG into a file (SQLAlchemy's statements, parameters and rows included), and a record of
# every token issued (they are random, and stored only as hashes).
DEMO_WITH_EVERY_LOG_LINE = """
import logging, os, sys
os.umask(0o022)
log_file, tokens_file, data_dir = sys.argv[1:4]
logging.basicConfig(filename=log_file, level=logging.DEBUG,
                    format="%(levelname)s %(name)s %(message)s")
logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)  # SQLAlchemy's own default is WARN
import claims.security as security
issue = security.new_token
def recorded_token():
    token = issue()
    with open(tokens_file, "a") as record:
        record.write(token + "\\n")
    return token
security.new_token = recorded_token  # before anything imports it
# The demo quiets claims.* for its live table; this run wants every line there is.
logging.getLogger("claims").setLevel = lambda level: None
from claims.cli import main
sys.argv = ["jht", "demo", "--data-dir", data_dir]
main()
"""


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The lines of `text` that contain any of `secrets`."""
    return [line for line in text.splitlines() if any(secret in line for secret in secrets)]


def test_the_leak_check_finds_a_planted_identifier() -> None:
    # The check below would find what it looks for: a NIK or token in any line.
    log = "INFO claims ok\nWARNING claims.db failed: ('3101012111700001', 'x')\n"
    assert leaks(log, {"3101012111700001"}) == [log.splitlines()[1]]
    assert leaks(log, {"3202026211700002"}) == []


def identifiers(database: Path) -> set[str]:
    """Every NIK, KPJ and account number the demo's database holds."""
    queries = (
        "SELECT kpj, nik FROM participants",
        "SELECT kpj, heir_nik, account_number FROM claims",
        "SELECT account_number FROM payouts",
        "SELECT account_number FROM sim_bank_transfers",
    )
    found: set[str] = set()
    with sqlite3.connect(database) as connection:
        for query in queries:
            for row in connection.execute(query):
                found.update(str(value) for value in row if value)
    return found


def test_demo_logs_and_outbox_hold_no_identifier_and_its_files_are_private(
    tmp_path: Path,
) -> None:
    log_file, tokens_file, folder = tmp_path / "debug.log", tmp_path / "tokens", tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-c", DEMO_WITH_EVERY_LOG_LINE, log_file, tokens_file, folder],
        env=jht_env(tmp_path / "var"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    database = folder / "jht.sqlite3"
    secrets = identifiers(database) | set(tokens_file.read_text().split())
    tokens = secrets - identifiers(database)
    assert len(tokens) > 10 and len(secrets) > 150  # claims' and officers' tokens, 64 people

    log = log_file.read_text()
    # Every layer logged: the service's own lines and SQLAlchemy's statements and rows.
    assert "sqlalchemy.engine" in log and "\nDEBUG sqlalchemy.engine" in log
    assert "claims." in log and "payout" in log
    assert leaks(log, secrets) == []
    with sqlite3.connect(database) as connection:
        errors = [row[0] for row in connection.execute("SELECT last_error FROM outbox") if row[0]]
    assert leaks("\n".join(errors), secrets) == []

    # Private from birth: made under umask 022, yet nothing is readable by another user.
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
