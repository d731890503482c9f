"""Value types for the identifiers a JHT claim carries: NIK, KPJ, NPWP, bank account, phone.

Each type validates and normalises on construction, so holding one means the value is well formed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Self


class Gender(StrEnum):
    """Gender as the registry CSV and the NIK encode it."""

    male = "M"
    female = "F"


class IdentifierErrorCode(StrEnum):
    nik_format = "nik_format"
    nik_province = "nik_province"
    nik_birth_date = "nik_birth_date"
    nik_serial = "nik_serial"
    nik_birth_date_mismatch = "nik_birth_date_mismatch"
    kpj_format = "kpj_format"
    npwp_format = "npwp_format"
    npwp_nik_mismatch = "npwp_nik_mismatch"
    bank_code_unknown = "bank_code_unknown"
    account_number_format = "account_number_format"
    account_holder_empty = "account_holder_empty"
    phone_format = "phone_format"


# (field, Bahasa Indonesia, English). Messages never echo the value: it is personal data.
IDENTIFIER_MESSAGES: Mapping[IdentifierErrorCode, tuple[str, str, str]] = MappingProxyType(
    {
        IdentifierErrorCode.nik_format: (
            "nik",
            "NIK harus terdiri dari 16 angka.",
            "The NIK must be 16 digits.",
        ),
        IdentifierErrorCode.nik_province: (
            "nik",
            "Kode provinsi pada NIK tidak valid.",
            "The province code in the NIK is not valid.",
        ),
        IdentifierErrorCode.nik_birth_date: (
            "nik",
            "Tanggal lahir pada NIK tidak valid.",
            "The birth date in the NIK is not a valid date.",
        ),
        IdentifierErrorCode.nik_serial: (
            "nik",
            "Nomor urut pada NIK tidak valid.",
            "The serial number at the end of the NIK is not valid.",
        ),
        IdentifierErrorCode.nik_birth_date_mismatch: (
            "birth_date",
            "Tanggal lahir tidak sesuai dengan NIK.",
            "The birth date does not match the NIK.",
        ),
        IdentifierErrorCode.kpj_format: (
            "kpj",
            "Nomor KPJ harus terdiri dari 11 angka.",
            "The KPJ number must be 11 digits.",
        ),
        IdentifierErrorCode.npwp_format: (
            "npwp",
            "NPWP harus terdiri dari 15 atau 16 angka.",
            "The NPWP must be 15 or 16 digits.",
        ),
        IdentifierErrorCode.npwp_nik_mismatch: (
            "npwp",
            "NPWP 16 angka harus sama dengan NIK Anda atau diawali angka 0.",
            "A 16-digit NPWP must be your NIK or start with 0.",
        ),
        IdentifierErrorCode.bank_code_unknown: (
            "bank_code",
            "Bank tidak dikenali. Pilih bank dari daftar.",
            "Unknown bank. Please choose a bank from the list.",
        ),
        IdentifierErrorCode.account_number_format: (
            "account_number",
            "Nomor rekening harus terdiri dari 10 sampai 16 angka.",
            "The account number must be 10 to 16 digits.",
        ),
        IdentifierErrorCode.account_holder_empty: (
            "account_holder",
            "Nama pemilik rekening wajib diisi.",
            "The account holder name is required.",
        ),
        IdentifierErrorCode.phone_format: (
            "phone",
            "Nomor HP harus nomor seluler Indonesia, misalnya 0812 3456 7890.",
            "The phone number must be an Indonesian mobile number, e.g. 0812 3456 7890.",
        ),
    }
)


class InvalidIdentifier(ValueError):
    """An identifier failed validation. `code` says why; the messages are for the applicant."""

    def __init__(self, code: IdentifierErrorCode, field: str | None = None) -> None:
        default_field, message_id, message_en = IDENTIFIER_MESSAGES[code]
        self.code = code
        # The caller may override the field, e.g. "heir_nik" for the heir of a death claim.
        self.field = field or default_field
        self.message_id = message_id
        self.message_en = message_en
        super().__init__(f"{self.field}: {code.value}: {message_en}")


_E = IdentifierErrorCode

# Bank Indonesia three-digit bank codes (sandi bank) for the banks we pay out to.
BANK_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "002": "BRI",
        "008": "Bank Mandiri",
        "009": "BNI",
        "011": "Bank Danamon",
        "013": "Bank Permata",
        "014": "BCA",
        "016": "Maybank Indonesia",
        "019": "Panin Bank",
        "022": "CIMB Niaga",
        "028": "OCBC NISP",
        "110": "Bank BJB",
        "111": "Bank DKI",
        "147": "Bank Muamalat",
        "200": "BTN",
        "426": "Bank Mega",
        "451": "BSI (Bank Syariah Indonesia)",
        "542": "Bank Jago",
    }
)


def _compact(text: str, separators: str) -> str:
    """Strip surrounding whitespace and the separators people type inside numbers."""
    return text.strip().translate({ord(c): None for c in separators})


def _digits_only(text: str, length: int | tuple[int, ...]) -> bool:
    lengths = (length,) if isinstance(length, int) else length
    # [0-9] rather than str.isdigit(): isdigit() also accepts Arabic-Indic and superscript digits.
    return len(text) in lengths and re.fullmatch(r"[0-9]+", text) is not None


def _day_month_exists(day: int, month: int, year_2digit: int) -> bool:
    """Whether DD-MM-YY is a real date in 19YY or 20YY (the NIK does not say which century)."""
    return any(_safe_date(century + year_2digit, month, day) for century in (1900, 2000))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# NIK


@dataclass(frozen=True)
class Nik:
    """Nomor Induk Kependudukan: PPKKCC region, DDMMYY birth date (+40 on the day for women),
    then a four-digit serial from 0001.

    `repr()`/`str()` show the masked form so a NIK does not leak into logs; use `.value` to store.
    """

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        v = self.value
        if not _digits_only(v, 16):
            raise InvalidIdentifier(_E.nik_format)
        if not 11 <= int(v[0:2]) <= 94:
            raise InvalidIdentifier(_E.nik_province)
        encoded_day, month, year = int(v[6:8]), int(v[8:10]), int(v[10:12])
        day = encoded_day - 40 if encoded_day > 40 else encoded_day
        if not 1 <= day <= 31 or not _day_month_exists(day, month, year):
            raise InvalidIdentifier(_E.nik_birth_date)
        if v[12:16] == "0000":
            raise InvalidIdentifier(_E.nik_serial)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept the NIK as typed: surrounding whitespace and spaces between groups are dropped."""
        return cls(_compact(text, " "))

    def __repr__(self) -> str:
        return f"Nik({self.masked()!r})"

    @property
    def province_code(self) -> str:
        return self.value[0:2]

    @property
    def regency_code(self) -> str:
        """Province and regency (kabupaten/kota), e.g. '3174'."""
        return self.value[0:4]

    @property
    def district_code(self) -> str:
        """Province, regency and district (kecamatan), e.g. '317401'."""
        return self.value[0:6]

    @property
    def gender(self) -> Gender:
        return Gender.female if int(self.value[6:8]) > 40 else Gender.male

    @property
    def birth_day_month(self) -> tuple[int, int]:
        """(day, month) of birth, with the +40 for women already removed."""
        encoded_day = int(self.value[6:8])
        day = encoded_day - 40 if encoded_day > 40 else encoded_day
        return day, int(self.value[8:10])

    @property
    def birth_year_2digit(self) -> int:
        return int(self.value[10:12])

    @property
    def serial(self) -> str:
        return self.value[12:16]

    def birth_date_candidates(self, today: date | None = None) -> tuple[date, ...]:
        """Birth dates the NIK allows in the 1900s and 2000s, earliest first.

        With `today`, dates after it are dropped (nobody is born in the future).
        """
        day, month = self.birth_day_month
        found = (
            _safe_date(century + self.birth_year_2digit, month, day) for century in (1900, 2000)
        )
        return tuple(d for d in found if d is not None and (today is None or d <= today))

    def agrees_with(self, birth_date: date) -> bool:
        """Whether `birth_date` is the one encoded in the NIK: day, month and year % 100."""
        return self.birth_day_month == (birth_date.day, birth_date.month) and (
            self.birth_year_2digit == birth_date.year % 100
        )

    def require_agreement(self, birth_date: date, field: str | None = None) -> None:
        """Raise `InvalidIdentifier(nik_birth_date_mismatch)` unless `agrees_with(birth_date)`."""
        if not self.agrees_with(birth_date):
            raise InvalidIdentifier(_E.nik_birth_date_mismatch, field)

    def masked(self) -> str:
        """First 4 (province and regency) and last 2 digits: '3174**********01'.

        The birth date and most of the serial are hidden; the region alone identifies no one.
        """
        return f"{self.value[:4]}{'*' * 10}{self.value[-2:]}"


def make_nik(
    province: int,
    regency: int,
    district: int,
    birth_date: date,
    gender: Gender | str,
    serial: int = 1,
) -> Nik:
    """Build a valid NIK from its parts, for sample data and tests.

    Raises `ValueError` for a part outside its two- or four-digit field and `InvalidIdentifier`
    for a part the NIK rules refuse (province outside 11..94, serial 0).
    """
    for name, part, upper in (
        ("province", province, 99),
        ("regency", regency, 99),
        ("district", district, 99),
        ("serial", serial, 9999),
    ):
        if not 0 <= part <= upper:
            raise ValueError(f"{name} must be between 0 and {upper}, got {part}")
    day = birth_date.day + (40 if Gender(gender) is Gender.female else 0)
    return Nik(
        f"{province:02d}{regency:02d}{district:02d}"
        f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"
    )


# ---------------------------------------------------------------------------------------------
# KPJ


@dataclass(frozen=True)
class Kpj:
    """Participant card number (Kartu Peserta Jamsostek): 11 digits."""

    value: str

    def __post_init__(self) -> None:
        if not _digits_only(self.value, 11):
            raise InvalidIdentifier(_E.kpj_format)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept the KPJ as typed: whitespace, spaces, dots and dashes between groups dropped."""
        return cls(_compact(text, " .-"))


def mask_kpj(kpj: str) -> str:
    """A KPJ as shown where the whole number must not be (other KPJs of a person, SMS
    replies): the first 4 and last 3 digits, '2600****005'."""
    return f"{kpj[:4]}****{kpj[-3:]}"


# ---------------------------------------------------------------------------------------------
# NPWP


@dataclass(frozen=True)
class Npwp:
    """Tax ID: 15 digits (old format) or 16 (new: the holder's NIK, or '0' + an old NPWP).

    The constructor checks the form only: a 16-digit value must start with 0 or be a well-formed
    NIK. Whether it is *the claimant's* NIK needs the NIK: pass it to `parse`.
    """

    value: str = field(repr=False)

    _separators: ClassVar[str] = " .-"

    def __post_init__(self) -> None:
        v = self.value
        if not _digits_only(v, (15, 16)):
            raise InvalidIdentifier(_E.npwp_format)
        if len(v) == 16 and not v.startswith("0"):
            try:
                Nik(v)
            except InvalidIdentifier:
                raise InvalidIdentifier(_E.npwp_format) from None

    @classmethod
    def parse(cls, text: str, nik: Nik | None = None) -> Self:
        """Accept '01.234.567.8-901.000' and the like; store digits only.

        With `nik`, a 16-digit NPWP that does not start with 0 must equal that NIK.
        """
        npwp = cls(_compact(text, cls._separators))
        if nik is not None and npwp.is_nik_based and npwp.value != nik.value:
            raise InvalidIdentifier(_E.npwp_nik_mismatch)
        return npwp

    def __repr__(self) -> str:
        return f"Npwp({self.formatted()!r})"

    @property
    def is_nik_based(self) -> bool:
        """A 16-digit NPWP that is the holder's NIK."""
        return len(self.value) == 16 and not self.value.startswith("0")

    def formatted(self) -> str:
        """Old 15-digit form as printed on the card ('01.234.567.8-901.000'); 16 digits plain,
        as the tax office shows the new format."""
        v = self.value
        if len(v) == 15:
            return f"{v[0:2]}.{v[2:5]}.{v[5:8]}.{v[8]}-{v[9:12]}.{v[12:15]}"
        return v


# ---------------------------------------------------------------------------------------------
# Names


# Deleted outright: these sit inside words and abbreviations ("Nur'aini", "S.E.", "Moh.").
_DELETED_IN_NAMES = frozenset("'`’‘ʼ.")


def normalize_holder_name(name: str) -> str:
    """Name in a form two spellings of the same name share.

    Rules, in order: Unicode compatibility-decompose and drop accents ('é' -> 'e'); case-fold;
    delete apostrophes and dots (so "Nur'aini" = "Nuraini" and "S.E." = "SE"); turn every other
    non-letter, non-digit character into a space ("Abdul-Rahman" = "Abdul Rahman"); collapse
    whitespace. "SITI  Nur'aini, S.E." and "siti nuraini se" both give "siti nuraini se".

    Titles (S.E., Hj., Dr.) are kept, not stripped: whether "Siti Nuraini, S.E." may receive a
    payout to "SITI NURAINI" is an officer's call, and stripping would also eat real name parts.
    Known limit: "M.Rizki" (no space) gives "mrizki" while "M. Rizki" gives "m rizki".
    """
    decomposed = unicodedata.normalize("NFKD", name)
    chars: list[str] = []
    for c in decomposed.casefold():
        if unicodedata.combining(c) or c in _DELETED_IN_NAMES:
            continue
        chars.append(c if c.isalnum() else " ")
    return " ".join("".join(chars).split())


# ---------------------------------------------------------------------------------------------
# Bank account


@dataclass(frozen=True)
class BankAccount:
    """Payout account: a known bank code, a 10-16 digit account number and the holder's name."""

    bank_code: str
    account_number: str = field(repr=False)
    holder_name: str

    def __post_init__(self) -> None:
        if self.bank_code not in BANK_NAMES:
            raise InvalidIdentifier(_E.bank_code_unknown)
        if not _digits_only(self.account_number, tuple(range(10, 17))):
            raise InvalidIdentifier(_E.account_number_format)
        if not normalize_holder_name(self.holder_name):
            raise InvalidIdentifier(_E.account_holder_empty)

    @classmethod
    def parse(cls, bank_code: str, account_number: str, holder_name: str) -> Self:
        """Accept a bank code with or without leading zeros ('14' -> '014'), an account number
        with spaces, dots or dashes, and the holder name with surrounding spaces collapsed."""
        code = bank_code.strip()
        if re.fullmatch(r"[0-9]{1,3}", code):
            code = code.zfill(3)
        return cls(
            bank_code=code,
            account_number=_compact(account_number, " .-"),
            holder_name=" ".join(holder_name.split()),
        )

    def __repr__(self) -> str:
        return f"BankAccount({self.bank_code!r}, {self.masked()!r}, {self.holder_name!r})"

    @property
    def bank_name(self) -> str:
        return BANK_NAMES[self.bank_code]

    def masked(self) -> str:
        """Only the last 4 digits, behind a fixed-width mask that also hides the length:
        '****7890'."""
        return f"****{self.account_number[-4:]}"

    def holder_matches(self, name: str) -> bool:
        """Whether `name` is the holder's name after `normalize_holder_name` on both."""
        return normalize_holder_name(self.holder_name) == normalize_holder_name(name)


# ---------------------------------------------------------------------------------------------
# Phone


_PHONE_PATTERN = re.compile(r"(?:\+62|62|0)(8[0-9]{8,11})")


@dataclass(frozen=True)
class Phone:
    """Indonesian mobile number, stored as '+628...' (8 followed by 8-11 digits)."""

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\+628[0-9]{8,11}", self.value):
            raise InvalidIdentifier(_E.phone_format)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept '+62', '62' or '0' before the 8, with spaces and dashes anywhere."""
        match = _PHONE_PATTERN.fullmatch(_compact(text, " -"))
        if match is None:
            raise InvalidIdentifier(_E.phone_format)
        return cls(f"+62{match.group(1)}")

    def __repr__(self) -> str:
        return f"Phone({self.masked()!r})"

    def masked(self) -> str:
        """Country code, first 3 and last 3 digits: '+62812*****890'."""
        national = self.value[3:]
        return f"+62{national[:3]}{'*' * (len(national) - 6)}{national[-3:]}"
