"""Parsing and checking of registry CSV rows (domain.md, The participant registry).

Each row either becomes a complete record or a `BadLine` with its line number and reason:
a bad line is never half-imported."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from workflow.identifiers import InvalidIdentifier, Kpj, Nik, Phone

PARTICIPANT_COLUMNS = (
    "kpj",
    "nik",
    "full_name",
    "birth_date",
    "gender",
    "membership_start",
    "membership_status",
    "employer_name",
    "employment_end_date",
    "balance",
    "email",
    "phone",
    "deceased",
)
# The day of the statement `balance` is from (domain.md, The JHT account): an optional last
# column. Without it, or where it is empty, the statement is the import day's.
STATEMENT_DATE_COLUMN = "balance_date"
DATED_PARTICIPANT_COLUMNS = (*PARTICIPANT_COLUMNS, STATEMENT_DATE_COLUMN)
BRANCH_COLUMNS = ("code", "name", "city", "timezone", "opens", "closes")
BRANCH_TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HHMM_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BRANCH_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")
# Identifiers exactly as they are stored (workflow.identifiers accepts more, and normalises).
_CANONICAL_KPJ = re.compile(r"[0-9]{11}")
_CANONICAL_NIK = re.compile(r"[0-9]{16}")
_CANONICAL_PHONE = re.compile(r"(?:\+62|62|0)(8[0-9]{8,11})")


class RowError(ValueError):
    """One problem with one row; the message names the column."""


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    kpj: str
    nik: str
    full_name: str
    birth_date: date
    gender: str
    membership_start: date
    membership_status: str
    employer_name: str
    employment_end_date: date | None
    balance: int
    email: str
    phone: str
    deceased: bool


class DatedParticipantRow(NamedTuple):
    """A row of a file with the statement date column: the classic columns' row, and the day
    of its statement. (A file without the column has its rows stamped with the import day by
    the upsert; keeping the date out of ParticipantRow keeps that common path as cheap as
    it was.)"""

    participant: ParticipantRow
    balance_date: date


@dataclass(frozen=True, slots=True)
class BranchRow:
    code: str
    name: str
    city: str
    timezone: str
    opens: str
    closes: str


def header_columns(found: list[str] | None) -> tuple[str, ...]:
    """The column names of a header row as the file means them (spaces and a BOM dropped)."""
    return tuple(name.strip().lstrip("\ufeff") for name in found or ())


def check_header(
    found: list[str] | None, expected: tuple[str, ...], optional_last: str | None = None
) -> str | None:
    """The reason a header is wrong, or None when it is exactly the expected columns (or
    those followed by `optional_last`)."""
    if not found:
        return "the file is empty: a header row is required"
    cleaned = header_columns(found)
    if cleaned == expected or (optional_last and cleaned == (*expected, optional_last)):
        return None
    expected_text = ",".join(expected) + (f"[,{optional_last}]" if optional_last else "")
    missing = [name for name in expected if name not in cleaned]
    extra = [name for name in cleaned if name not in (*expected, optional_last)]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    if not parts:
        parts.append("columns out of order")
    return f"wrong header ({'; '.join(parts)}); expected: {expected_text}"


def _date(value: str, column: str, *, optional: bool = False) -> date | None:
    value = value.strip()
    if not value and optional:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _bad_date(column, value)
    except ValueError:
        return _bad_date(column, value)


def _bad_date(column: str, value: str) -> date:
    raise RowError(f"{column}: '{value}' is not a date in the form YYYY-MM-DD")


def _text(value: str, column: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise RowError(f"{column}: must not be empty")
    if len(value) > max_length:
        raise RowError(f"{column}: longer than {max_length} characters")
    return value


def _identifier_reason(error: InvalidIdentifier) -> str:
    return f"{error.field}: {error.message_en}"


def parse_participant(values: list[str]) -> ParticipantRow:
    if len(values) != len(PARTICIPANT_COLUMNS):
        raise RowError(f"expected {len(PARTICIPANT_COLUMNS)} columns, found {len(values)}")
    return _parse_canonical(values) or _parse_checked(values)


def dated_participant_parser(import_day: date) -> Callable[[list[str]], DatedParticipantRow]:
    """The parser of a file with the statement date as its last column: the classic columns as
    `parse_participant` reads them, then the date (empty: the import day)."""
    width = len(DATED_PARTICIPANT_COLUMNS)

    def parse_dated_participant(values: list[str]) -> DatedParticipantRow:
        if len(values) != width:
            raise RowError(f"expected {width} columns, found {len(values)}")
        classic = values[:-1]
        try:
            stated = _statement_date(values[-1], import_day)
        except RowError:
            parse_participant(classic)  # a fault of an earlier column is named first
            raise
        return DatedParticipantRow(parse_participant(classic), stated)

    return parse_dated_participant


def _statement_date(value: str, import_day: date) -> date:
    stated = _date(value, STATEMENT_DATE_COLUMN, optional=True)
    if stated is None:
        return import_day
    # A newer statement replaces an older one, so a date still to come would keep every
    # real statement out until that day: refused, like any other impossible value.
    if stated > import_day:
        raise RowError(
            f"{STATEMENT_DATE_COLUMN}: '{value.strip()}' is after the day of the import "
            f"({import_day.isoformat()})"
        )
    return stated


def _parse_canonical(values: list[str]) -> ParticipantRow | None:
    """The common case, cheaply: KPJ, NIK and phone already in their stored form and the NIK
    agreeing with birth_date and gender, checked on the strings without building the identifier
    objects (a million-row import spent most of its time there). None sends the row to
    `_parse_checked`, which decides and words the error; a row accepted here passes every
    check there too (a NIK that agrees with a real birth date encodes a real date), and the
    remaining columns go through the same `_finish`."""
    kpj, nik, _, birth, gender, *_ = values
    phone_match = _CANONICAL_PHONE.fullmatch(values[11])
    if (
        phone_match is None
        or not _CANONICAL_KPJ.fullmatch(kpj)
        or not _CANONICAL_NIK.fullmatch(nik)
        or not 11 <= int(nik[0:2]) <= 94
        or nik[12:16] == "0000"
        or gender not in ("M", "F")
    ):
        return None
    try:
        birth_date = date.fromisoformat(birth)
    except ValueError:
        return None
    if birth_date.isoformat() != birth:
        return None
    encoded_day = birth_date.day + (40 if gender == "F" else 0)
    if nik[6:12] != f"{encoded_day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}":
        return None
    return _finish(values, kpj, nik, f"+62{phone_match.group(1)}", birth_date, gender)


def _parse_checked(values: list[str]) -> ParticipantRow:
    kpj, nik, _, birth, gender, *_ = values
    try:
        kpj_value = Kpj.parse(kpj).value
        nik_value = Nik.parse(nik)
        phone_value = Phone.parse(values[11]).value
    except InvalidIdentifier as error:
        raise RowError(_identifier_reason(error)) from None
    birth_date = _date(birth, "birth_date")
    assert birth_date is not None
    gender = gender.strip().upper()
    if gender not in ("M", "F"):
        raise RowError(f"gender: '{gender}' must be M or F")
    if not nik_value.agrees_with(birth_date):
        raise RowError("nik: the birth date encoded in the NIK does not agree with birth_date")
    if nik_value.gender.value != gender:
        raise RowError("nik: the NIK encodes the other gender (women add 40 to the day)")
    return _finish(values, kpj_value, nik_value.value, phone_value, birth_date, gender)


def _finish(
    values: list[str], kpj: str, nik: str, phone: str, birth_date: date, gender: str
) -> ParticipantRow:
    """The columns after the identifiers, birth date and gender, checked in file order."""
    _, _, full_name, _, _, start, status, employer, end, balance, email, _, deceased = values
    membership_start = _date(start, "membership_start")
    assert membership_start is not None
    status = status.strip().lower()
    if status not in ("active", "inactive"):
        raise RowError(f"membership_status: '{status}' must be active or inactive")
    employment_end = _date(end, "employment_end_date", optional=True)
    try:
        balance_value = int(balance.strip())
    except ValueError:
        raise RowError(f"balance: '{balance}' is not a whole number of rupiah") from None
    if balance_value < 0:
        raise RowError("balance: must not be negative")
    email = email.strip()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise RowError(f"email: '{email}' is not an e-mail address")
    deceased_text = deceased.strip().lower()
    if deceased_text not in ("true", "false"):
        raise RowError(f"deceased: '{deceased}' must be true or false")
    return ParticipantRow(
        kpj=kpj,
        nik=nik,
        full_name=_text(full_name, "full_name", 200),
        birth_date=birth_date,
        gender=gender,
        membership_start=membership_start,
        membership_status=status,
        employer_name=_text(employer, "employer_name", 200),
        employment_end_date=employment_end,
        balance=balance_value,
        email=email,
        phone=phone,
        deceased=deceased_text == "true",
    )


def parse_branch(values: list[str]) -> BranchRow:
    if len(values) != len(BRANCH_COLUMNS):
        raise RowError(f"expected {len(BRANCH_COLUMNS)} columns, found {len(values)}")
    code, name, city, timezone, opens, closes = (value.strip() for value in values)
    if not BRANCH_CODE_PATTERN.match(code):
        raise RowError(f"code: '{code}' must be 2-20 capital letters, digits, '-' or '_'")
    if timezone not in BRANCH_TIMEZONES:
        raise RowError(f"timezone: '{timezone}' must be one of {', '.join(BRANCH_TIMEZONES)}")
    ZoneInfo(timezone)
    for column, value in (("opens", opens), ("closes", closes)):
        if not HHMM_PATTERN.match(value):
            raise RowError(f"{column}: '{value}' must be HH:MM")
    if time.fromisoformat(opens) >= time.fromisoformat(closes):
        raise RowError("opens must be before closes")
    return BranchRow(
        code=code,
        name=_text(name, "name", 200),
        city=_text(city, "city", 100),
        timezone=timezone,
        opens=opens,
        closes=closes,
    )
