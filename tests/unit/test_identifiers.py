"""Tables of valid and invalid NIK, KPJ, NPWP, bank account and phone inputs."""

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from workflow.identifiers import (
    BANK_NAMES,
    IDENTIFIER_MESSAGES,
    BankAccount,
    Gender,
    IdentifierErrorCode,
    InvalidIdentifier,
    Kpj,
    Nik,
    Npwp,
    Phone,
    make_nik,
    normalize_holder_name,
)

# 31 74 01 | 15 08 85 | 0001: Jakarta Utara, a man born 15-08-1985.
MAN_NIK = "3174011508850001"
# Same, but a woman: the day is 15 + 40.
WOMAN_NIK = "3174015508850001"


# ---------------------------------------------------------------------------------------------
# NIK


@pytest.mark.parametrize(
    ("text", "value", "gender", "day_month", "province"),
    [
        (MAN_NIK, MAN_NIK, Gender.male, (15, 8), "31"),
        (WOMAN_NIK, WOMAN_NIK, Gender.female, (15, 8), "31"),
        ("  3174 0115 0885 0001 ", MAN_NIK, Gender.male, (15, 8), "31"),
        ("1101010101900001", "1101010101900001", Gender.male, (1, 1), "11"),  # lowest province
        ("9471010101900001", "9471010101900001", Gender.male, (1, 1), "94"),  # highest province
        ("3174014101900001", "3174014101900001", Gender.female, (1, 1), "31"),  # woman, day 01
        ("3174017112990001", "3174017112990001", Gender.female, (31, 12), "31"),  # woman, day 31
        ("3174013112990001", "3174013112990001", Gender.male, (31, 12), "31"),  # man, day 31
        ("3174012902960001", "3174012902960001", Gender.male, (29, 2), "31"),  # leap day 1996
        ("3174016902960001", "3174016902960001", Gender.female, (29, 2), "31"),  # woman, leap day
        ("3174012902000001", "3174012902000001", Gender.male, (29, 2), "31"),  # 2000 was leap
        ("3174011508859999", "3174011508859999", Gender.male, (15, 8), "31"),  # highest serial
    ],
)
def test_nik_parses_valid(
    text: str, value: str, gender: Gender, day_month: tuple[int, int], province: str
) -> None:
    nik = Nik.parse(text)
    assert nik.value == value
    assert nik.gender is gender
    assert nik.birth_day_month == day_month
    assert nik.province_code == province


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", IdentifierErrorCode.nik_format),
        ("317401150885000", IdentifierErrorCode.nik_format),  # 15 digits
        ("31740115088500011", IdentifierErrorCode.nik_format),  # 17 digits
        ("3174O11508850001", IdentifierErrorCode.nik_format),  # letter O
        ("3174-0115-0885-0001", IdentifierErrorCode.nik_format),  # dashes are not accepted
        ("3174011508850٠01", IdentifierErrorCode.nik_format),  # Arabic-Indic zero
        ("1001010101900001", IdentifierErrorCode.nik_province),  # province 10
        ("9501010101900001", IdentifierErrorCode.nik_province),  # province 95
        ("0001010101900001", IdentifierErrorCode.nik_province),
        ("3174010001900001", IdentifierErrorCode.nik_birth_date),  # day 00
        ("3174013201900001", IdentifierErrorCode.nik_birth_date),  # day 32
        ("3174014001900001", IdentifierErrorCode.nik_birth_date),  # day 40 (woman's day 00)
        ("3174017201900001", IdentifierErrorCode.nik_birth_date),  # day 72 (woman's day 32)
        ("3174010100900001", IdentifierErrorCode.nik_birth_date),  # month 00
        ("3174010113900001", IdentifierErrorCode.nik_birth_date),  # month 13
        ("3174013102990001", IdentifierErrorCode.nik_birth_date),  # 31 Feb
        ("3174013002900001", IdentifierErrorCode.nik_birth_date),  # 30 Feb
        ("3174017102900001", IdentifierErrorCode.nik_birth_date),  # woman, 31 Feb
        ("3174012902970001", IdentifierErrorCode.nik_birth_date),  # 29 Feb, no leap year
        ("3174013104900001", IdentifierErrorCode.nik_birth_date),  # 31 Apr
        ("3174011508850000", IdentifierErrorCode.nik_serial),  # serial 0000
    ],
)
def test_nik_rejects_invalid(text: str, code: IdentifierErrorCode) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        Nik.parse(text)
    assert raised.value.code == code
    assert raised.value.field == "nik"


@pytest.mark.parametrize(
    ("nik", "birth_date", "agrees"),
    [
        (MAN_NIK, date(1985, 8, 15), True),
        (MAN_NIK, date(2085, 8, 15), True),  # the NIK cannot tell the century
        (MAN_NIK, date(1985, 8, 16), False),
        (MAN_NIK, date(1985, 9, 15), False),
        (MAN_NIK, date(1986, 8, 15), False),
        (WOMAN_NIK, date(1985, 8, 15), True),
        (WOMAN_NIK, date(1985, 8, 16), False),
        ("3174016902960001", date(1996, 2, 29), True),
        ("3174010501050001", date(2005, 1, 5), True),
        ("3174010501050001", date(2005, 5, 1), False),  # day and month swapped
    ],
)
def test_nik_agrees_with_birth_date(nik: str, birth_date: date, agrees: bool) -> None:
    assert Nik(nik).agrees_with(birth_date) is agrees


def test_nik_require_agreement_raises_mismatch_with_field() -> None:
    Nik(MAN_NIK).require_agreement(date(1985, 8, 15))
    with pytest.raises(InvalidIdentifier) as raised:
        Nik(MAN_NIK).require_agreement(date(1985, 8, 16), field="heir_birth_date")
    assert raised.value.code == IdentifierErrorCode.nik_birth_date_mismatch
    assert raised.value.field == "heir_birth_date"


@pytest.mark.parametrize(
    ("nik", "today", "candidates"),
    [
        (MAN_NIK, None, (date(1985, 8, 15), date(2085, 8, 15))),
        (MAN_NIK, date(2026, 1, 1), (date(1985, 8, 15),)),
        ("3174010501050001", date(2026, 1, 1), (date(1905, 1, 5), date(2005, 1, 5))),
        ("3174012902000001", None, (date(2000, 2, 29),)),  # 1900 was not a leap year
        ("3174012902960001", None, (date(1996, 2, 29), date(2096, 2, 29))),
    ],
)
def test_nik_birth_date_candidates(
    nik: str, today: date | None, candidates: tuple[date, ...]
) -> None:
    assert Nik(nik).birth_date_candidates(today) == candidates


def test_nik_masks_birth_date_and_serial_in_display_and_repr() -> None:
    nik = Nik("3174011508850123")
    assert nik.masked() == "3174**********23"
    assert "150885" not in repr(nik)
    assert "150885" not in str(nik)


def test_nik_parts_and_immutability() -> None:
    nik = Nik(WOMAN_NIK)
    assert (nik.regency_code, nik.district_code, nik.serial) == ("3174", "317401", "0001")
    assert nik.birth_year_2digit == 85
    assert nik == Nik.parse(f" {WOMAN_NIK} ")
    with pytest.raises(FrozenInstanceError):
        nik.value = MAN_NIK  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((31, 74, 1, date(1985, 8, 15), Gender.male, 1), MAN_NIK),
        ((31, 74, 1, date(1985, 8, 15), "F", 1), WOMAN_NIK),
        ((11, 1, 1, date(2000, 2, 29), Gender.female, 9999), "1101016902009999"),
        ((94, 71, 2, date(1970, 12, 31), "M", 42), "9471023112700042"),
    ],
)
def test_make_nik_builds_valid_nik(
    args: tuple[int, int, int, date, Gender | str, int], expected: str
) -> None:
    nik = make_nik(*args)
    assert nik.value == expected
    assert nik.agrees_with(args[3])
    assert nik.gender is Gender(args[4])


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((10, 74, 1, date(1985, 8, 15), "M", 1), InvalidIdentifier),
        ((95, 74, 1, date(1985, 8, 15), "M", 1), InvalidIdentifier),
        ((31, 74, 1, date(1985, 8, 15), "M", 0), InvalidIdentifier),
        ((31, 100, 1, date(1985, 8, 15), "M", 1), ValueError),
        ((31, 74, 1, date(1985, 8, 15), "M", 10000), ValueError),
        ((31, 74, 1, date(1985, 8, 15), "X", 1), ValueError),
    ],
)
def test_make_nik_refuses_bad_parts(
    args: tuple[int, int, int, date, str, int], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_nik(*args)


# ---------------------------------------------------------------------------------------------
# KPJ


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12345678901", "12345678901"),
        (" 123 4567 8901 ", "12345678901"),
        ("123-4567-8901", "12345678901"),
        ("00000000000", "00000000000"),
    ],
)
def test_kpj_parses_valid(text: str, value: str) -> None:
    assert Kpj.parse(text).value == value


@pytest.mark.parametrize("text", ["", "1234567890", "123456789012", "1234567890a", "+1234567890"])
def test_kpj_rejects_invalid(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        Kpj.parse(text)
    assert (raised.value.code, raised.value.field) == (IdentifierErrorCode.kpj_format, "kpj")


# ---------------------------------------------------------------------------------------------
# NPWP


@pytest.mark.parametrize(
    ("text", "nik", "value", "formatted"),
    [
        ("01.234.567.8-901.000", None, "012345678901000", "01.234.567.8-901.000"),
        ("012345678901000", None, "012345678901000", "01.234.567.8-901.000"),
        (" 01 234 567 8 901 000 ", None, "012345678901000", "01.234.567.8-901.000"),
        ("09-876-543-2-123-000", None, "098765432123000", "09.876.543.2-123.000"),
        ("0012345678901000", None, "0012345678901000", "0012345678901000"),  # 0 + old NPWP
        ("0012345678901000", MAN_NIK, "0012345678901000", "0012345678901000"),
        ("0.01.234.567.8-901.000", MAN_NIK, "0012345678901000", "0012345678901000"),
        (MAN_NIK, MAN_NIK, MAN_NIK, MAN_NIK),  # the claimant's own NIK
        (MAN_NIK, None, MAN_NIK, MAN_NIK),  # well-formed NIK; no NIK to compare against
        ("012345678901000", MAN_NIK, "012345678901000", "01.234.567.8-901.000"),
    ],
)
def test_npwp_parses_valid(text: str, nik: str | None, value: str, formatted: str) -> None:
    npwp = Npwp.parse(text, Nik(nik) if nik else None)
    assert npwp.value == value
    assert npwp.formatted() == formatted


@pytest.mark.parametrize(
    ("text", "nik", "code"),
    [
        ("", None, IdentifierErrorCode.npwp_format),
        ("01.234.567.8-901.00", None, IdentifierErrorCode.npwp_format),  # 14 digits
        ("01234567890100012", None, IdentifierErrorCode.npwp_format),  # 17 digits
        ("01.234.567.8-901.00A", None, IdentifierErrorCode.npwp_format),
        ("01/234/567/8/901/000", None, IdentifierErrorCode.npwp_format),
        ("1234567890123456", None, IdentifierErrorCode.npwp_format),  # not a NIK, no leading 0
        ("1234567890123456", MAN_NIK, IdentifierErrorCode.npwp_format),
        (WOMAN_NIK, MAN_NIK, IdentifierErrorCode.npwp_nik_mismatch),  # someone else's NIK
    ],
)
def test_npwp_rejects_invalid(text: str, nik: str | None, code: IdentifierErrorCode) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        Npwp.parse(text, Nik(nik) if nik else None)
    assert (raised.value.code, raised.value.field) == (code, "npwp")


@pytest.mark.parametrize(
    ("value", "nik_based"),
    [("012345678901000", False), ("0012345678901000", False), (MAN_NIK, True)],
)
def test_npwp_is_nik_based(value: str, nik_based: bool) -> None:
    assert Npwp(value).is_nik_based is nik_based


# ---------------------------------------------------------------------------------------------
# Bank account


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("014", "BCA"),
        ("002", "BRI"),
        ("009", "BNI"),
        ("008", "Bank Mandiri"),
        ("200", "BTN"),
        ("451", "BSI (Bank Syariah Indonesia)"),
        ("022", "CIMB Niaga"),
        ("013", "Bank Permata"),
        ("011", "Bank Danamon"),
    ],
)
def test_bank_account_accepts_each_required_bank(code: str, name: str) -> None:
    account = BankAccount.parse(code, "1234567890", "Siti Nuraini")
    assert account.bank_code == code
    assert account.bank_name == name


def test_every_listed_bank_code_is_three_digits() -> None:
    assert all(len(code) == 3 and code.isdigit() for code in BANK_NAMES)


@pytest.mark.parametrize(
    ("bank_code", "number", "holder", "expected"),
    [
        ("014", "1234567890", "Siti", ("014", "1234567890", "Siti")),  # 10 digits
        ("014", "1234567890123456", "Siti", ("014", "1234567890123456", "Siti")),  # 16 digits
        ("14", "123-456-7890", "Siti", ("014", "1234567890", "Siti")),
        (
            " 2 ",
            "1234 5678 9012 345",
            " Siti   Nuraini ",
            ("002", "123456789012345", "Siti Nuraini"),
        ),
        ("451", "7.123.456.789", "Siti", ("451", "7123456789", "Siti")),
    ],
)
def test_bank_account_parses_valid(
    bank_code: str, number: str, holder: str, expected: tuple[str, str, str]
) -> None:
    account = BankAccount.parse(bank_code, number, holder)
    assert (account.bank_code, account.account_number, account.holder_name) == expected


@pytest.mark.parametrize(
    ("bank_code", "number", "holder", "code", "field"),
    [
        ("999", "1234567890", "Siti", IdentifierErrorCode.bank_code_unknown, "bank_code"),
        ("", "1234567890", "Siti", IdentifierErrorCode.bank_code_unknown, "bank_code"),
        ("BCA", "1234567890", "Siti", IdentifierErrorCode.bank_code_unknown, "bank_code"),
        ("0014", "1234567890", "Siti", IdentifierErrorCode.bank_code_unknown, "bank_code"),
        ("014", "123456789", "Siti", IdentifierErrorCode.account_number_format, "account_number"),
        (
            "014",
            "12345678901234567",
            "Siti",
            IdentifierErrorCode.account_number_format,
            "account_number",
        ),
        ("014", "12345678a0", "Siti", IdentifierErrorCode.account_number_format, "account_number"),
        ("014", "", "Siti", IdentifierErrorCode.account_number_format, "account_number"),
        ("014", "1234567890", "", IdentifierErrorCode.account_holder_empty, "account_holder"),
        ("014", "1234567890", " .,' ", IdentifierErrorCode.account_holder_empty, "account_holder"),
    ],
)
def test_bank_account_rejects_invalid(
    bank_code: str, number: str, holder: str, code: IdentifierErrorCode, field: str
) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        BankAccount.parse(bank_code, number, holder)
    assert (raised.value.code, raised.value.field) == (code, field)


@pytest.mark.parametrize(
    ("number", "masked"),
    [("1234567890", "****7890"), ("1234567890123456", "****3456")],
)
def test_bank_account_masked_shows_last_four_only(number: str, masked: str) -> None:
    account = BankAccount("014", number, "Siti")
    assert account.masked() == masked
    assert number not in repr(account)


@pytest.mark.parametrize(
    ("holder", "name", "matches"),
    [
        ("SITI  Nur'aini, S.E.", "siti nuraini se", True),
        ("SITI NURAINI", "Siti Nuraini", True),
        ("Abdul-Rahman", "ABDUL RAHMAN", True),
        ("Siti Nuraini, S.E.", "Siti Nuraini", False),  # titles are not stripped
        ("Siti Nuraini", "Siti Nur Aini", False),
        ("Siti Nuraini", "Siti Nuraina", False),
    ],
)
def test_bank_account_holder_matches(holder: str, name: str, matches: bool) -> None:
    assert BankAccount("014", "1234567890", holder).holder_matches(name) is matches


# ---------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("SITI  Nur'aini, S.E.", "siti nuraini se"),
        ("siti nuraini se", "siti nuraini se"),
        ("  Budi\tSantoso\n", "budi santoso"),
        ("Nur’aini", "nuraini"),  # typographic apostrophe
        ("Abdul-Rahman/Wahid", "abdul rahman wahid"),
        ("M. Rizki", "m rizki"),
        ("José", "jose"),
        ("ＳＩＴＩ", "siti"),  # full-width letters
        ("", ""),
        (" .,- ", ""),
    ],
)
def test_normalize_holder_name(name: str, normalized: str) -> None:
    assert normalize_holder_name(name) == normalized


# ---------------------------------------------------------------------------------------------
# Phone


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        (" 0812 3456 7890 ", "+6281234567890"),
        ("0812345678", "+62812345678"),  # 8 then 8 digits: shortest
        ("0812345678901", "+62812345678901"),  # 8 then 11 digits: longest
    ],
)
def test_phone_parses_valid(text: str, value: str) -> None:
    assert Phone.parse(text).value == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "081234567",  # 8 then 7 digits
        "08123456789012",  # 8 then 12 digits
        "0212345678",  # landline: no 8 after 0
        "+6221234567",
        "+628123456789a",
        "+1 812 3456 7890",
        "0062812345678",
        "(0812) 3456 7890",
        "8123456789",  # no prefix
    ],
)
def test_phone_rejects_invalid(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        Phone.parse(text)
    assert (raised.value.code, raised.value.field) == (IdentifierErrorCode.phone_format, "phone")


def test_phone_constructor_requires_normalised_form_and_repr_is_masked() -> None:
    with pytest.raises(InvalidIdentifier):
        Phone("081234567890")
    phone = Phone("+6281234567890")
    assert phone.masked() == "+62812*****890"
    assert "81234567890" not in repr(phone)


# ---------------------------------------------------------------------------------------------
# Messages


@pytest.mark.parametrize("code", list(IdentifierErrorCode))
def test_every_error_code_has_both_messages(code: IdentifierErrorCode) -> None:
    error = InvalidIdentifier(code)
    assert error.field == IDENTIFIER_MESSAGES[code][0]
    assert error.message_id and error.message_en
    assert error.message_id != error.message_en
    assert isinstance(error, ValueError)
    assert error.code == code.value  # compares equal to the plain string code
