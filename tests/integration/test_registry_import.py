"""Registry import: upsert by KPJ, each bad line reported with its number, good lines kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from claims.db import Database
from claims.models import Branch, Participant
from claims.registry.csv_rows import DATED_PARTICIPANT_COLUMNS, PARTICIPANT_COLUMNS
from claims.registry.importer import import_branches, import_participants
from claims.sample_data import branches_csv, participants_csv

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
HEADER = ",".join(PARTICIPANT_COLUMNS)
GOOD = "26000000001,3101012111700001,Budi Santoso,1970-11-21,M,1996-11-21,inactive,PT A,2026-10-22,210000000,budi@contoh.id,081200000000,false"
DATED_HEADER = ",".join(DATED_PARTICIPANT_COLUMNS)
IMPORT_DAY = date(2026, 11, 21)  # NOW in Jakarta


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


# --- the statement date (domain.md, The JHT account: a newer statement replaces an older) ---


def dated(balance: int, balance_date: str, **changes: str) -> str:
    """GOOD with another balance and a statement date, other values replaced as `changes` say."""
    line = GOOD.replace("210000000", str(balance))
    for old, new in changes.items():
        line = line.replace(old, new)
    return f"{line},{balance_date}"


def import_dated(db: Database, tmp_path: Path, *lines: str, name: str = "d.csv") -> None:
    report = import_participants(db, write(tmp_path, "\n".join([DATED_HEADER, *lines]), name), NOW)
    assert report.ok, (report.header_error, report.bad)


def statement(db: Database, kpj: str = "26000000001") -> tuple[int, date, str, str]:
    with db.read_only() as session:
        row = session.get(Participant, kpj)
        assert row is not None
        return row.balance, row.balance_date, row.email, row.membership_status


def test_a_file_without_the_date_column_states_the_import_day(db: Database, tmp_path: Path) -> None:
    import_participants(db, write(tmp_path, f"{HEADER}\n{GOOD}\n"), NOW)
    assert statement(db)[:2] == (210_000_000, IMPORT_DAY)


def test_the_date_column_dates_the_statement_and_empty_means_the_import_day(
    db: Database, tmp_path: Path
) -> None:
    empty = dated(5, "", **{"26000000001": "26000000002"})
    import_dated(db, tmp_path, dated(7, "2026-06-30"), empty)
    assert statement(db)[:2] == (7, date(2026, 6, 30))
    assert statement(db, "26000000002")[:2] == (5, IMPORT_DAY)


def test_an_older_statement_keeps_the_stored_balance_but_updates_the_rest(
    db: Database, tmp_path: Path
) -> None:
    import_dated(db, tmp_path, dated(7, "2026-06-30"))
    older = dated(3, "2026-01-31", **{"budi@contoh.id": "budi@baru.id", "inactive": "active"})
    import_dated(db, tmp_path, older, name="older.csv")
    assert statement(db) == (7, date(2026, 6, 30), "budi@baru.id", "active")


@pytest.mark.parametrize(
    ("second_date", "expected"),
    [("2026-06-30", (9, date(2026, 6, 30))), ("2026-07-01", (9, date(2026, 7, 1)))],
)
def test_a_statement_of_the_same_day_or_later_replaces_the_stored_one(
    db: Database, tmp_path: Path, second_date: str, expected: tuple[int, date]
) -> None:
    import_dated(db, tmp_path, dated(7, "2026-06-30"))
    import_dated(db, tmp_path, dated(9, second_date), name="newer.csv")
    assert statement(db)[:2] == expected


def test_a_file_without_dates_replaces_an_older_statement(db: Database, tmp_path: Path) -> None:
    import_dated(db, tmp_path, dated(7, "2026-06-30"))
    changed = GOOD.replace("210000000", "8")
    import_participants(db, write(tmp_path, f"{HEADER}\n{changed}\n", "plain.csv"), NOW)
    assert statement(db)[:2] == (8, IMPORT_DAY)


def test_in_one_batch_each_row_is_judged_against_its_own_stored_statement(
    db: Database, tmp_path: Path
) -> None:
    second = {"26000000001": "26000000002"}
    import_dated(db, tmp_path, dated(7, "2026-06-30"), dated(7, "2026-06-30", **second))
    import_dated(
        db, tmp_path, dated(1, "2026-05-01"), dated(2, "2026-08-01", **second), name="mix.csv"
    )
    assert statement(db)[:2] == (7, date(2026, 6, 30))
    assert statement(db, "26000000002")[:2] == (2, date(2026, 8, 1))


@pytest.mark.parametrize(
    ("balance_date", "reason_part"),
    [
        ("30-06-2026", "balance_date: '30-06-2026' is not a date in the form YYYY-MM-DD"),
        ("2026-02-30", "balance_date: '2026-02-30' is not a date in the form YYYY-MM-DD"),
        ("2026-11-22", "balance_date: '2026-11-22' is after the day of the import (2026-11-21)"),
    ],
)
def test_a_bad_statement_date_is_a_bad_line(
    db: Database, tmp_path: Path, balance_date: str, reason_part: str
) -> None:
    other = dated(5, "2026-06-30", **{"26000000001": "26000000002"})
    text = f"{DATED_HEADER}\n{other}\n{dated(7, balance_date)}\n"
    report = import_participants(db, write(tmp_path, text), NOW)
    assert [(bad.line, bad.reason) for bad in report.bad] == [(3, reason_part)]
    assert report.inserted == 1 and count(db) == 1


def test_a_dated_file_still_checks_the_other_columns_first(db: Database, tmp_path: Path) -> None:
    line = dated(7, "bad", **{"budi@contoh.id": "budi"})
    short = GOOD  # the date column missing on one line of a dated file
    text = f"{DATED_HEADER}\n{line}\n{short}\n"
    report = import_participants(db, write(tmp_path, text), NOW)
    assert [bad.line for bad in report.bad] == [2, 3]
    assert report.bad[0].reason.startswith("email:")
    assert report.bad[1].reason == "expected 14 columns, found 13"


def test_a_header_with_another_last_column_names_the_optional_one(
    db: Database, tmp_path: Path
) -> None:
    report = import_participants(db, write(tmp_path, f"{HEADER},statement_day\n"), NOW)
    assert report.header_error == (
        f"wrong header (unexpected statement_day); expected: {HEADER}[,balance_date]"
    )
