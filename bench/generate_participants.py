"""Writes a synthetic participant registry CSV (domain.md, The participant registry) for the
import benchmark: N rows with valid, unique identifiers, optionally with bad lines sprinkled in.

Usage: python bench/generate_participants.py N OUT.csv [--bad-every K]

Rows are built with plain string formatting from the row number (no per-row objects), so a
million rows take seconds; the same N always gives the same file.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

# Importing the repo's own column list and NIK rules keeps the file in step with the importer.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.registry.csv_rows import PARTICIPANT_COLUMNS
from workflow.identifiers import Nik, make_nik

FIRST_KPJ = 30_000_000_000  # 11 digits, clear of the samples' 26... range
FIRST_NAMES = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Eko", "Putu", "Andi", "Rina")
LAST_NAMES = ("Santoso", "Lestari", "Hidayat", "Wahyuni", "Pratama", "Wibowo", "Kambu", "Basri")
EMPLOYERS = ("PT Maju Jaya", "CV Sumber Rejeki", "PT Nusantara Abadi", "PT Karya Mandiri")
# Province codes accepted by the NIK rules (11..94); a few real ones for variety.
PROVINCES = (11, 12, 31, 32, 33, 35, 51, 64, 73, 81, 91, 94)
# Lines the importer must refuse, one reason each; the replacement keeps the column count.
BAD_KINDS = ("nik", "birth_date", "balance", "duplicate_kpj", "columns")
ROWS_PER_CHUNK = 10_000


def participant_line(index: int) -> str:
    """The CSV line (without newline) of participant number `index`: valid and unique by KPJ."""
    female = index % 2 == 1
    year = 1950 + index % 55
    month = 1 + (index // 2) % 12
    day = 1 + (index // 24) % 28  # every month has a 28th
    province = PROVINCES[index % len(PROVINCES)]
    regency = 1 + (index // 12) % 79
    district = 1 + (index // 7) % 40
    serial = 1 + (index // 97) % 9999
    nik = (
        f"{province:02d}{regency:02d}{district:02d}"
        f"{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"
    )
    start_year = min(year + 18 + index % 20, 2024)
    active = index % 3 != 0
    end = "" if active else f"{min(start_year + 1 + index % 15, 2025)}-{month:02d}-{day:02d}"
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // 10) % len(LAST_NAMES)]
    return (
        f"{FIRST_KPJ + index},{nik},{first} {last},{year}-{month:02d}-{day:02d},"
        f"{'F' if female else 'M'},{start_year}-{month:02d}-01,"
        f"{'active' if active else 'inactive'},{EMPLOYERS[index % len(EMPLOYERS)]},{end},"
        f"{(index * 7919) % 400_000_000},p{index}@contoh.id,08{1_000_000_000 + index},"
        f"{'true' if index % 997 == 0 else 'false'}"
    )


def bad_line(index: int, kind: str) -> str:
    """A line for participant `index` broken in one way named by `kind`."""
    good = participant_line(index).split(",")
    if kind == "nik":
        good[1] = good[1][:6] + "99" + good[1][8:]  # day 99 - 40 = 59: no such date
    elif kind == "birth_date":
        year, month, day = good[3].split("-")
        good[3] = f"{day}-{month}-{year}"
    elif kind == "balance":
        good[9] = "12jt"
    elif kind == "duplicate_kpj":
        good[0] = str(FIRST_KPJ)  # participant 0 is always written first and is always good
    elif kind == "columns":
        good.append("extra")
    return ",".join(good)


def write_participants(count: int, out: Path, bad_every: int = 0) -> int:
    """Writes the header and `count` data lines; returns how many of them are bad."""
    bad = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(PARTICIPANT_COLUMNS) + "\n")
        for start in range(0, count, ROWS_PER_CHUNK):
            lines = []
            for index in range(start, min(start + ROWS_PER_CHUNK, count)):
                if bad_every and index and index % bad_every == 0:
                    lines.append(bad_line(index, BAD_KINDS[bad % len(BAD_KINDS)]))
                    bad += 1
                else:
                    lines.append(participant_line(index))
            handle.write("\n".join(lines) + "\n")
    return bad


def _check_rules_agree() -> None:
    """The string formatting above must give what `make_nik` gives; checked on a few rows."""
    for index in (0, 1, 2, 12_345, 999_999):
        fields = participant_line(index).split(",")
        year, month, day = (int(part) for part in fields[3].split("-"))
        nik = fields[1]
        expected = make_nik(
            int(nik[0:2]),
            int(nik[2:4]),
            int(nik[4:6]),
            date(year, month, day),
            fields[4],
            int(nik[12:16]),
        )
        if Nik(nik) != expected:
            raise AssertionError(f"row {index}: NIK {nik} disagrees with make_nik")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("count", type=int, help="number of data lines")
    parser.add_argument("out", type=Path, help="CSV file to write")
    parser.add_argument(
        "--bad-every", type=int, default=0, metavar="K", help="make every K-th line bad (0: none)"
    )
    args = parser.parse_args(argv)
    _check_rules_agree()
    bad = write_participants(args.count, args.out, args.bad_every)
    print(f"wrote {args.count} participants ({bad} bad lines) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
