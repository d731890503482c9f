"""Synthetic sample data: participants covering every claim reason and its edges, branches in
all three time zones, and document scans. Dates are relative to a given `today`, so the
edges ("resigned 2 weeks ago", "turns 56 today") hold on the day the samples are loaded.

`samples/generate.py` writes these into the repo's `samples/`; `jht serve` writes fresh ones
into the data folder on first start."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from claims.registry.csv_rows import BRANCH_COLUMNS, PARTICIPANT_COLUMNS
from workflow.identifiers import Phone, make_nik

FIRST_KPJ = 26_000_000_001  # 11 digits


@dataclass(frozen=True)
class SampleBranch:
    code: str
    name: str
    city: str
    timezone: str
    province: int
    opens: str = "08:00"
    closes: str = "16:00"


BRANCHES = (
    SampleBranch("JKT-SLB", "Kantor Cabang Jakarta Salemba", "Jakarta", "Asia/Jakarta", 31),
    SampleBranch("BDG-SBR", "Kantor Cabang Bandung Suci", "Bandung", "Asia/Jakarta", 32),
    SampleBranch("SBY-DMS", "Kantor Cabang Surabaya Darmo", "Surabaya", "Asia/Jakarta", 35),
    SampleBranch("MDN-KTR", "Kantor Cabang Medan Kota", "Medan", "Asia/Jakarta", 12),
    SampleBranch("DPS-RNN", "Kantor Cabang Denpasar Renon", "Denpasar", "Asia/Makassar", 51),
    SampleBranch("MKS-PTB", "Kantor Cabang Makassar Pettarani", "Makassar", "Asia/Makassar", 73),
    SampleBranch("BPN-KTR", "Kantor Cabang Balikpapan", "Balikpapan", "Asia/Makassar", 64),
    SampleBranch("AMB-KTR", "Kantor Cabang Ambon", "Ambon", "Asia/Jayapura", 81, "07:30", "15:30"),
    SampleBranch("JPR-KTR", "Kantor Cabang Jayapura", "Jayapura", "Asia/Jayapura", 91),
)

MALE_NAMES = (
    "Budi Santoso",
    "Agus Setiawan",
    "Rudi Hartono",
    "Dedi Kurniawan",
    "Eko Prasetyo",
    "Hendra Gunawan",
    "Joko Susilo",
    "Wahyu Nugroho",
    "Fajar Ramadhan",
    "Yusuf Maulana",
    "I Made Wirawan",
    "Andi Pratama",
    "Rizky Firmansyah",
    "Bambang Sutrisno",
    "Arif Hidayat",
    "Dimas Saputra",
    "Teguh Wibowo",
    "Imam Syafi'i",
    "Yohanes Wenda",
    "Markus Latuheru",
    "Ahmad Fauzi",
    "Slamet Riyadi",
    "Hasan Basri",
    "Taufik Hidayatullah",
    "Gede Artawan",
    "Samuel Kambu",
    "Irfan Hakim",
    "Putu Suardana",
    "Dani Setiadi",
    "Rahmat Hidayat",
)
FEMALE_NAMES = (
    "Siti Nurhaliza",
    "Dewi Lestari",
    "Sri Wahyuni",
    "Rina Marlina",
    "Ayu Kartika",
    "Putri Anggraini",
    "Nur Aini",
    "Fitri Handayani",
    "Wulan Sari",
    "Maria Ulfa",
    "Ni Luh Putu Ariani",
    "Yuliana Rumbiak",
    "Desi Ratnasari",
    "Indah Permata",
    "Lestari Ningsih",
    "Sari Dewi",
    "Ratna Sari",
    "Mega Utami",
    "Kartini Simanjuntak",
    "Agustina Pattiasina",
    "Nurul Hidayah",
    "Evi Susanti",
    "Lina Marlina",
    "Wati Suryani",
    "Anisa Rahma",
    "Dian Puspita",
    "Yanti Kusuma",
    "Tri Handayani",
    "Rosa Mambrasar",
    "Citra Kirana",
)
EMPLOYERS = (
    "PT Sinar Jaya Abadi",
    "PT Nusantara Tekstil",
    "CV Maju Bersama",
    "PT Samudra Logistik",
    "PT Karya Mandiri Sejahtera",
    "PT Bank Contoh Tbk",
    "PT Bali Resort Indah",
    "PT Papua Konstruksi",
    "PT Makmur Agro",
    "PT Sentosa Elektronik",
)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Scenario:
    """One sample participant and the case it is there to show."""

    label: str
    gender: str
    birth_date: date
    membership_start: date
    membership_status: str
    employment_end_date: date | None
    balance: int
    deceased: bool = False
    # The label of an earlier scenario whose person (NIK, name, birth date, contact) this KPJ
    # also belongs to: one person, another employer.
    same_person_as: str | None = None


def scenarios(today: date) -> list[Scenario]:
    d = timedelta(days=1)
    y = years_before
    edges = [
        Scenario(
            "retirement: turns 56 today",
            "M",
            y(today, 56),
            y(today, 30),
            "inactive",
            today - 30 * d,
            210_000_000,
        ),
        Scenario(
            "retirement: 55 years 364 days, eligible tomorrow",
            "F",
            y(today, 56) + d,
            y(today, 25),
            "active",
            None,
            150_000_000,
        ),
        Scenario(
            "retirement: aged 60",
            "F",
            y(today, 60) - 40 * d,
            y(today, 28),
            "inactive",
            y(today, 4),
            320_000_000,
        ),
        Scenario(
            "resignation: left 2 weeks ago (not yet)",
            "M",
            y(today, 31),
            y(today, 6),
            "inactive",
            today - 14 * d,
            42_000_000,
        ),
        Scenario(
            "resignation: left 3 months ago",
            "F",
            y(today, 29),
            y(today, 5),
            "inactive",
            today - 92 * d,
            38_500_000,
        ),
        Scenario(
            "resignation: balance 49.999.999 (no NPWP needed)",
            "M",
            y(today, 35),
            y(today, 8),
            "inactive",
            today - 95 * d,
            49_999_999,
        ),
        Scenario(
            "resignation: balance 50.000.000 (no NPWP needed)",
            "F",
            y(today, 36),
            y(today, 9),
            "inactive",
            today - 100 * d,
            50_000_000,
        ),
        Scenario(
            "resignation: balance 50.000.001 (NPWP required)",
            "M",
            y(today, 37),
            y(today, 9),
            "inactive",
            today - 110 * d,
            50_000_001,
        ),
        Scenario(
            "resignation: balance 80.000.000 (tax example)",
            "F",
            y(today, 40),
            y(today, 11),
            "inactive",
            today - 120 * d,
            80_000_000,
        ),
        Scenario(
            "resignation: left 3 years ago (flat tax: one payment)",
            "M",
            y(today, 45),
            y(today, 20),
            "inactive",
            y(today, 3),
            350_000_000,
        ),
        Scenario(
            "termination: PHK 3 months ago",
            "M",
            y(today, 42),
            y(today, 12),
            "inactive",
            today - 90 * d,
            95_000_000,
        ),
        Scenario(
            "termination: PHK 1 week ago (not yet)",
            "F",
            y(today, 33),
            y(today, 7),
            "inactive",
            today - 7 * d,
            27_000_000,
        ),
        Scenario(
            "contract_end: contract ended yesterday",
            "M",
            y(today, 27),
            y(today, 3),
            "inactive",
            today - d,
            12_500_000,
        ),
        Scenario(
            "contract_end: still employed (not eligible)",
            "F",
            y(today, 26),
            y(today, 2),
            "active",
            None,
            8_000_000,
        ),
        Scenario(
            "partial_housing: member 12 years, active",
            "M",
            y(today, 38),
            y(today, 12),
            "active",
            None,
            140_000_000,
        ),
        Scenario(
            "partial: member 10 years exactly, active",
            "F",
            y(today, 34),
            y(today, 10),
            "active",
            None,
            72_000_000,
        ),
        Scenario(
            "partial: member 9 years 364 days (not yet)",
            "M",
            y(today, 33),
            y(today, 10) + d,
            "active",
            None,
            61_000_000,
        ),
        Scenario(
            "partial_other: member 15 years, active",
            "F",
            y(today, 44),
            y(today, 15),
            "active",
            None,
            185_000_000,
        ),
        Scenario(
            "leaving_indonesia: moving abroad",
            "M",
            y(today, 39),
            y(today, 9),
            "inactive",
            today - 60 * d,
            66_000_000,
        ),
        Scenario(
            "disability: aged 47",
            "M",
            y(today, 47),
            y(today, 21),
            "inactive",
            today - 200 * d,
            133_000_000,
        ),
        Scenario(
            "disability: aged 56 (retirement instead)",
            "F",
            y(today, 56) - 10 * d,
            y(today, 22),
            "inactive",
            today - 200 * d,
            140_000_000,
        ),
        Scenario(
            "death: deceased participant (heir claims)",
            "M",
            y(today, 52),
            y(today, 24),
            "inactive",
            today - 45 * d,
            175_000_000,
            deceased=True,
        ),
        Scenario(
            "death: deceased participant, small balance",
            "F",
            y(today, 41),
            y(today, 6),
            "inactive",
            today - 20 * d,
            23_000_000,
            deceased=True,
        ),
        Scenario(
            "active member (no full claim possible)",
            "M",
            y(today, 30),
            y(today, 4),
            "active",
            None,
            19_000_000,
        ),
    ]
    # Everyday cases, so a queue has volume: a mix of reasons and balances.
    everyday: list[Scenario] = []
    for index in range(40):
        gender = "F" if index % 2 else "M"
        age = 24 + (index * 7) % 33
        ended = today - (40 + index * 11) * d
        inactive = index % 5 != 0
        everyday.append(
            Scenario(
                "everyday: resigned or ended contract" if inactive else "everyday: active",
                gender,
                y(today, age) - (index * 17 % 300) * d,
                y(today, min(age - 20, 3 + index % 14)),
                "inactive" if inactive else "active",
                ended if inactive else None,
                5_000_000 + index * 3_750_000,
            )
        )
    # Cases of the registry's facts (issue 15), after the rest so that no KPJ above moves.
    left_one_job = Scenario(
        "two KPJs: left this employer 3 months ago, works for another",
        "F",
        y(today, 34) - 50 * d,
        y(today, 9),
        "inactive",
        today - 92 * d,
        46_000_000,
    )
    registry_facts = [
        left_one_job,
        Scenario(
            "two KPJs: the other employer, active (no stop-work claim on either)",
            "F",
            left_one_job.birth_date,
            today - 80 * d,
            "active",
            None,
            2_400_000,
            same_person_as=left_one_job.label,
        ),
        Scenario(
            "resignation: no end date in the registry (state it: declared)",
            "M",
            y(today, 41) - 20 * d,
            y(today, 13),
            "inactive",
            None,
            57_000_000,
        ),
    ]
    # Last, so that no KPJ above moves: the issue-15 example of the account, a 30% partial of
    # Rp 140 juta (Rp 42 juta), then a full claim that pays what is left, not Rp 140 juta.
    account = [
        Scenario(
            "partial then full: member 12 years, left 2 months ago (Rp 140 juta)",
            "M",
            y(today, 40) - 11 * d,
            y(today, 12),
            "inactive",
            today - 60 * d,
            140_000_000,
        ),
    ]
    return edges + everyday + registry_facts + account


def participant_rows(today: date) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    by_label: dict[str, dict[str, str]] = {}
    used = {"M": 0, "F": 0}
    for index, scenario in enumerate(scenarios(today)):
        branch = BRANCHES[index % len(BRANCHES)]
        if scenario.same_person_as is not None:
            # Another KPJ of a person above: their identity and contact, this employer's facts.
            person = by_label[scenario.same_person_as]
            identity = {key: person[key] for key in ("nik", "full_name", "email", "phone")}
        else:
            names = FEMALE_NAMES if scenario.gender == "F" else MALE_NAMES
            turn, position = divmod(used[scenario.gender], len(names))
            used[scenario.gender] += 1
            # A second round of names gets a second given name, so every sample name is unique.
            name = names[position] + (
                "" if turn == 0 else (" Putri" if scenario.gender == "F" else " Putra")
            )
            nik = make_nik(
                branch.province,
                1 + index % 20,
                1 + index % 30,
                scenario.birth_date,
                scenario.gender,
                serial=1 + index,
            )
            identity = {
                "nik": nik.value,
                "full_name": name,
                "email": name.lower().replace(" ", ".").replace("'", "") + "@contoh.id",
                "phone": Phone.parse(f"0812{index:04d}{(index * 37) % 10000:04d}").value,
            }
        row = {
            "kpj": str(FIRST_KPJ + index),
            "nik": identity["nik"],
            "full_name": identity["full_name"],
            "birth_date": scenario.birth_date.isoformat(),
            "gender": scenario.gender,
            "membership_start": scenario.membership_start.isoformat(),
            "membership_status": scenario.membership_status,
            "employer_name": EMPLOYERS[index % len(EMPLOYERS)],
            "employment_end_date": (
                scenario.employment_end_date.isoformat() if scenario.employment_end_date else ""
            ),
            "balance": str(scenario.balance),
            "email": identity["email"],
            "phone": identity["phone"],
            "deceased": "true" if scenario.deceased else "false",
            "_label": scenario.label,
            "_branch": branch.code,
        }
        by_label[scenario.label] = row
        rows.append(row)
    return rows


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def participants_csv(today: date) -> str:
    return _csv_text(PARTICIPANT_COLUMNS, participant_rows(today))


def branches_csv() -> str:
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "city": b.city,
            "timezone": b.timezone,
            "opens": b.opens,
            "closes": b.closes,
        }
        for b in BRANCHES
    ]
    return _csv_text(BRANCH_COLUMNS, rows)


def scenario_table(today: date) -> str:
    """A Markdown table of which sample KPJ shows what, for people trying the service."""
    lines = [
        f"Sample participants as generated for {today.isoformat()} "
        "(dates move with the day the samples are made).",
        "",
        "| KPJ | NIK | name | birth date | branch | case |",
        "|---|---|---|---|---|---|",
    ]
    for row in participant_rows(today):
        lines.append(
            f"| {row['kpj']} | {row['nik']} | {row['full_name']} | {row['birth_date']} "
            f"| {row['_branch']} | {row['_label']} |"
        )
    return "\n".join(lines) + "\n"


SCAN_TITLES = {
    "ktp": "KARTU TANDA PENDUDUK (CONTOH)",
    "kartu_peserta": "KARTU PESERTA BPJS KETENAGAKERJAAN (CONTOH)",
    "kartu_keluarga": "KARTU KELUARGA (CONTOH)",
    "buku_rekening": "BUKU TABUNGAN (CONTOH)",
    "foto_diri": "FOTO DIRI (CONTOH)",
    "npwp": "NPWP (CONTOH)",
    "surat_berhenti_bekerja": "SURAT KETERANGAN BERHENTI BEKERJA (CONTOH)",
}


def write_scans(folder: Path) -> list[Path]:
    """Sample scans: JPEG card photos and a two-page PDF letter, all marked as samples."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, title in SCAN_TITLES.items():
        image = Image.new("RGB", (1011, 638), (236, 242, 250))
        draw = ImageDraw.Draw(image)
        draw.rectangle((20, 20, 990, 618), outline=(20, 70, 140), width=6)
        draw.text((60, 60), title, fill=(20, 40, 90))
        draw.text(
            (60, 120), "DATA SINTETIS - BUKAN DOKUMEN ASLI / SYNTHETIC SAMPLE", fill=(160, 0, 0)
        )
        for row in range(6):
            draw.rectangle((60, 200 + row * 60, 700, 230 + row * 60), fill=(200, 210, 225))
        path = folder / f"{code}.jpg"
        image.save(path, "JPEG", quality=80)
        written.append(path)
    letter_pages = []
    for page in range(2):
        image = Image.new("RGB", (827, 1169), "white")
        draw = ImageDraw.Draw(image)
        draw.text((80, 80), f"SURAT PAKLARING (CONTOH) - halaman {page + 1}/2", fill="black")
        for row in range(25):
            draw.line((80, 160 + row * 36, 747, 160 + row * 36), fill=(180, 180, 180), width=2)
        letter_pages.append(image)
    letter = folder / "surat_berhenti_bekerja.pdf"
    letter_pages[0].save(
        letter, "PDF", save_all=True, append_images=letter_pages[1:], resolution=100
    )
    written.append(letter)
    return written


def write_samples(folder: Path, today: date) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "participants.csv").write_text(participants_csv(today), encoding="utf-8")
    (folder / "branches.csv").write_text(branches_csv(), encoding="utf-8")
    (folder / "PARTICIPANTS.md").write_text(scenario_table(today), encoding="utf-8")
    write_scans(folder / "scans")
