"""Registry import: upsert by KPJ, each bad line reported with its number, good lines kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from claims.db import Database
from claims.models import Branch, Participant
from claims.registry.csv_rows import PARTICIPANT_COLUMNS
from claims.registry.importer import import_branches, import_participants
from claims.sample_data import branches_csv, participants_csv

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
HEADER = ",".join(PARTICIPANT_COLUMNS)
GOOD = "26000000001,3101012111700001,Budi Santoso,1970-11-21,M,1996-11-21,inactive,PT A,2026-10-22,210000000,budi@contoh.id,081200000000,false"


def write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(db: Database) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(Participant)) or 0


def test_samples_import_cleanly_and_reimport_updates(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, participants_csv(date(2026, 11, 21)))
    first = import_participants(db, path, NOW)
    assert first.ok and first.inserted == 68 and first.updated == 0
    second = import_participants(db, path, NOW)
    assert second.ok and second.inserted == 0 and second.updated == 68
    assert count(db) == 68


def test_upsert_changes_the_existing_row(db: Database, tmp_path: Path) -> None:
    import_participants(db, write(tmp_path, f"{HEADER}\n{GOOD}\n"), NOW)
    changed = GOOD.replace("210000000", "1").replace("inactive", "active")
    report = import_participants(db, write(tmp_path, f"{HEADER}\n{changed}\n", "b.csv"), NOW)
    assert report.updated == 1
    with db.read_only() as session:
        row = session.get(Participant, "26000000001")
        assert row is not None and row.balance == 1 and row.membership_status == "active"
        assert row.phone == "+6281200000000"


@pytest.mark.parametrize(
    ("line", "reason_part"),
    [
        (GOOD.replace("3101012111700001", "3101019911700001"), "nik"),
        (GOOD.replace("3101012111700001", "1001012111700001"), "nik"),
        (GOOD.replace("1970-11-21,M", "1970-11-22,M"), "does not agree"),
        (GOOD.replace("1970-11-21,M", "21-11-1970,M"), "birth_date"),
        (GOOD.replace(",M,", ",F,"), "other gender"),
        (GOOD.replace("210000000", "12jt"), "balance"),
        (GOOD.replace("inactive", "retired"), "membership_status"),
        (GOOD.replace(",false", ",maybe"), "deceased"),
        (GOOD.replace("081200000000", "12345"), "phone"),
        (GOOD.replace("budi@contoh.id", "budi"), "email"),
        (GOOD.replace("26000000001", "2600000001"), "kpj"),
        (GOOD + ",extra", "columns"),
    ],
)
def test_bad_line_is_reported_and_good_lines_kept(
    db: Database, tmp_path: Path, line: str, reason_part: str
) -> None:
    other = GOOD.replace("26000000001", "26000000002")
    report = import_participants(db, write(tmp_path, f"{HEADER}\n{other}\n{line}\n"), NOW)
    assert [bad.line for bad in report.bad] == [3]
    assert reason_part in report.bad[0].reason
    assert report.inserted == 1
    with db.read_only() as session:
        assert session.get(Participant, "26000000001") is None


def test_duplicated_kpj_keeps_the_first_and_reports_the_second(
    db: Database, tmp_path: Path
) -> None:
    duplicate = GOOD.replace("210000000", "5")
    report = import_participants(db, write(tmp_path, f"{HEADER}\n{GOOD}\n{duplicate}\n"), NOW)
    assert [(b.line, "appears earlier" in b.reason) for b in report.bad] == [(3, True)]
    with db.read_only() as session:
        row = session.get(Participant, "26000000001")
        assert row is not None and row.balance == 210_000_000


def test_wrong_header_imports_nothing(db: Database, tmp_path: Path) -> None:
    report = import_participants(db, write(tmp_path, f"kpj,nik,name\n{GOOD}\n"), NOW)
    assert report.header_error and "missing full_name" in report.header_error
    assert count(db) == 0
    empty = import_participants(db, write(tmp_path, "", "e.csv"), NOW)
    assert empty.header_error and "empty" in empty.header_error


def test_progress_reaches_the_file_size(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, participants_csv(date(2026, 11, 21)))
    seen: list[int] = []
    import_participants(db, path, NOW, seen.append)
    assert seen[-1] == path.stat().st_size


def test_branches_import_and_bad_timezone(db: Database, tmp_path: Path) -> None:
    report = import_branches(db, write(tmp_path, branches_csv(), "b.csv"), NOW)
    assert report.ok and report.inserted == 9
    bad = "code,name,city,timezone,opens,closes\nXX-1,X,Y,Europe/Paris,08:00,16:00\nXX-2,X,Y,Asia/Jakarta,16:00,08:00\n"
    report = import_branches(db, write(tmp_path, bad, "c.csv"), NOW)
    assert [b.line for b in report.bad] == [2, 3]
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Branch)) == 9
