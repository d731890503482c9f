"""First start on a fresh data folder: load synthetic samples so a new user can try a claim
at once, and create sample officers whose tokens are written (once) into the data folder."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Console

from claims.registry.importer import import_branches, import_participants
from claims.registry.officers import add_officer
from claims.repositories.registry import has_participants
from claims.runtime import Runtime
from claims.sample_data import BRANCHES, write_samples

SAMPLE_OFFICER_ROLES = (
    ("Verifikator", ["verifier"]),
    ("Pewawancara", ["interviewer"]),
    ("Pewawancara Dua", ["interviewer"]),
    ("Penyetuju", ["approver"]),
    ("Keuangan", ["finance"]),
)
OFFICER_TOKENS_FILE = "sample-officers.csv"


def load_samples_if_empty(runtime: Runtime, console: Console) -> bool:
    with runtime.db.read_only() as session:
        if has_participants(session):
            return False
    folder = runtime.settings.data_dir / "samples"
    today = runtime.clock.now().date()
    write_samples(folder, today)
    now = runtime.clock.now()
    import_branches(runtime.db, folder / "branches.csv", now)
    report = import_participants(runtime.db, folder / "participants.csv", now)
    tokens_path = runtime.settings.data_dir / OFFICER_TOKENS_FILE
    write_sample_officers(runtime, tokens_path)
    console.print(
        f"loaded samples: {report.inserted} participants, {len(BRANCHES)} branches; "
        f"see {folder / 'PARTICIPANTS.md'} for which KPJ shows what, and "
        f"{tokens_path} for the sample officers' tokens"
    )
    return True


def write_sample_officers(runtime: Runtime, path: Path) -> None:
    rows = []
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        for branch in BRANCHES:
            for title, roles in SAMPLE_OFFICER_ROLES:
                officer, token = add_officer(
                    session, f"{title} {branch.city}", branch.code, roles, now
                )
                rows.append((officer.id, officer.name, branch.code, " ".join(roles), token))
        officer, token = add_officer(session, "Supervisor Nasional", None, ["supervisor"], now)
        rows.append((officer.id, officer.name, "", "supervisor", token))
    path.touch(mode=0o600)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("officer_id", "name", "branch", "roles", "token"))
        writer.writerows(rows)
