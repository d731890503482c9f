"""SMS 2757 (channels.md): inbound texts as typed commands, and the replies to them.

People type the commands the way they remember them: any case, extra spaces, `#` or spaces
between the fields, a KPJ with dashes or dots, the name instead of the birth date. A text
that names a command but is malformed is a `BadFormat` naming that command (its reply shows
how to write it) and never which field was wrong: the reply to a wrong NIK must not differ
from the reply to a wrong KPJ. Everything else is a request for help.

Replies are Indonesian, each one SMS (`workflow.sms_text.fits_one_sms`: at most 160 GSM-7
characters), never carry a NIK and show a KPJ only masked (`2600****005`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from workflow.dates import format_date_id
from workflow.identifiers import InvalidIdentifier, Kpj, Nik, mask_kpj

FULL_NAME_LENGTH = 200  # the registry's column
EMAIL_LENGTH = 254


class CommandName(StrEnum):
    """What an inbound text asked for (stored with each inbound message)."""

    register = "register"
    balance = "balance"
    status = "status"
    help = "help"


@dataclass(frozen=True)
class Register:
    """`DAFTAR SALDO`: register the sending phone for `kpj`, once the identity (the NIK with
    the birth date or the full name) is the registry's."""

    nik: Nik
    kpj: Kpj
    birth_date: date | None = None
    full_name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Balance:
    """`SALDO <KPJ>`: the available balance, to a phone registered for the KPJ."""

    kpj: Kpj


@dataclass(frozen=True)
class Status:
    """`STATUS <KPJ>`: the newest claim's step, as public tracking says it."""

    kpj: Kpj


@dataclass(frozen=True)
class Help:
    """`BANTUAN`, `HELP` or any text that is no command."""


@dataclass(frozen=True)
class BadFormat:
    """A command recognised by its keyword whose fields do not parse."""

    command: CommandName


SmsCommand = Register | Balance | Status | Help | BadFormat


def command_name(command: SmsCommand) -> CommandName:
    """The command a parsed text asked for; a malformed one counts as its command."""
    if isinstance(command, BadFormat):
        return command.command
    if isinstance(command, Register):
        return CommandName.register
    if isinstance(command, Balance):
        return CommandName.balance
    if isinstance(command, Status):
        return CommandName.status
    return CommandName.help


# --- parsing ------------------------------------------------------------------------------

# A keyword ends where a letter does not follow: `SALDO#2600...` and `SALDO2600...` are SALDO.
_END = r"(?![A-Z])"
# DAFTAR SALDO, DAFTAR#SALDO, DAFTARSALDO, or DAFTAR alone (then the fields do not parse).
_REGISTER = re.compile(rf"DAFTAR(?:[\s#]*SALDO)?{_END}")
# The retired keyword of the same command: answered with how to write it today.
_OLD_REGISTER = re.compile(rf"REG{_END}")
_BALANCE = re.compile(rf"SALDO{_END}")
_STATUS = re.compile(rf"STATUS{_END}")
_DAY_FIRST = re.compile(
    r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})|([0-9]{2})([0-9]{2})([0-9]{4})"
)
_YEAR_FIRST = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_LOOKS_LIKE_DATE = re.compile(r"[0-9][0-9\-/.]*")
_NAME = re.compile(r"[^\W\d_]+(?:[ .'\-,]+[^\W\d_]+)*\.?")
_EMAIL = re.compile(r"[^@\s#]+@[^@\s#]+\.[^@\s#]+")


def parse_sms(text: str) -> SmsCommand:
    """The command in an inbound text (see the module docstring)."""
    # NFKC: full-width digits and letters, as some phones send them, become plain ones.
    normalised = unicodedata.normalize("NFKC", text).strip()
    upper = normalised.upper()
    if _OLD_REGISTER.match(upper):
        return BadFormat(CommandName.register)
    for pattern, command in (
        (_REGISTER, CommandName.register),
        (_BALANCE, CommandName.balance),
        (_STATUS, CommandName.status),
    ):
        keyword = pattern.match(upper)
        if keyword is not None:
            rest = normalised[keyword.end() :].strip(" \t\r\n#")
            parsed = _parse_fields(command, rest)
            return parsed if parsed is not None else BadFormat(command)
    return Help()


def _parse_fields(command: CommandName, rest: str) -> SmsCommand | None:
    if command is CommandName.register:
        return _parse_register(rest)
    kpj = _kpj(rest)
    if kpj is None:
        return None
    return Balance(kpj) if command is CommandName.balance else Status(kpj)


def _kpj(text: str) -> Kpj | None:
    try:
        return Kpj.parse(text)
    except InvalidIdentifier:
        return None


def _nik(text: str) -> Nik | None:
    try:
        return Nik.parse(text)
    except InvalidIdentifier:
        return None


def _parse_register(rest: str) -> Register | None:
    """NIK, birth date or name, KPJ and an optional email: `#`-separated when the text has
    a `#` after the keyword (a field may then hold spaces: a name, a NIK typed in groups),
    else space-separated (the name is then everything between the NIK and the KPJ)."""
    if "#" in rest:
        fields = [field.strip() for field in rest.split("#") if field.strip()]
    else:
        words = rest.split()
        last = [words.pop()] if len(words) > 3 and "@" in words[-1] else []
        if len(words) < 3:
            return None
        fields = [words[0], " ".join(words[1:-1]), words[-1], *last]
    if len(fields) not in (3, 4):
        return None
    nik, kpj = _nik(fields[0]), _kpj(fields[2])
    if nik is None or kpj is None:
        return None
    email = None
    if len(fields) == 4:
        email = fields[3]
        if len(email) > EMAIL_LENGTH or _EMAIL.fullmatch(email) is None:
            return None
    second = " ".join(fields[1].split())
    if _LOOKS_LIKE_DATE.fullmatch(second):
        birth_date = _birth_date(second)
        if birth_date is None:
            return None
        return Register(nik, kpj, birth_date=birth_date, email=email)
    if len(second) > FULL_NAME_LENGTH or _NAME.fullmatch(second) is None:
        return None
    return Register(nik, kpj, full_name=second, email=email)


def _birth_date(text: str) -> date | None:
    """DD-MM-YYYY (also with / or .), DDMMYYYY, or YYYY-MM-DD as forms write it."""
    if (match := _DAY_FIRST.fullmatch(text)) is not None:
        parts = match.groups()[:3] if match[1] else match.groups()[3:]
        day, month, year = (int(part) for part in parts)
    elif (match := _YEAR_FIRST.fullmatch(text)) is not None:
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- replies ------------------------------------------------------------------------------


def rupiah(amount: int) -> str:
    """`Rp 80.000.000`."""
    return f"Rp {amount:,}".replace(",", ".")


HELP_REPLY = (
    "BPJSTK 2757: Daftar: DAFTAR SALDO#NIK#TGL LAHIR(DD-MM-YYYY)#KPJ#EMAIL. "
    "Cek saldo: SALDO KPJ. Status klaim: STATUS KPJ. Bantuan: BANTUAN"
)
BAD_FORMAT_REPLIES = {
    CommandName.register: (
        "Format salah. Ketik DAFTAR SALDO#NIK#TGL LAHIR(DD-MM-YYYY)#KPJ#EMAIL "
        "atau DAFTAR SALDO#NIK#NAMA LENGKAP#KPJ, kirim ke 2757."
    ),
    CommandName.balance: (
        "Format salah. Ketik SALDO(spasi)No KPJ 11 angka, kirim ke 2757. "
        "Belum terdaftar? Ketik BANTUAN."
    ),
    CommandName.status: "Format salah. Ketik STATUS(spasi)No KPJ 11 angka, kirim ke 2757.",
    CommandName.help: HELP_REPLY,
}
REGISTRATION_FAILED_REPLY = (
    "Pendaftaran gagal: data tidak cocok dengan data kami. Periksa kembali sesuai kartu "
    "peserta dan e-KTP, lalu coba lagi."
)
TOO_MANY_ATTEMPTS_REPLY = "Pendaftaran gagal: terlalu banyak percobaan. Silakan coba lagi nanti."
TOO_MANY_REQUESTS_REPLY = "Terlalu banyak permintaan dari nomor ini. Silakan coba lagi nanti."


def registered_reply(kpj: str) -> str:
    return (
        f"Pendaftaran berhasil: nomor ini terdaftar untuk KPJ {mask_kpj(kpj)}. "
        "Cek saldo: ketik SALDO(spasi)No KPJ, kirim ke 2757."
    )


def balance_reply(kpj: str, available: int, on: date) -> str:
    return (
        f"Saldo JHT KPJ {mask_kpj(kpj)} per {format_date_id(on)}: {rupiah(available)}. "
        "Saldo ini yang dapat diklaim."
    )


def not_registered_reply(kpj: str) -> str:
    return (
        f"Nomor ini belum terdaftar untuk KPJ {mask_kpj(kpj)}. Daftar: "
        "DAFTAR SALDO#NIK#TGL LAHIR(DD-MM-YYYY)#KPJ#EMAIL, kirim ke 2757."
    )


def status_reply(
    kpj: str, step_label: str, step: int | None, updated_on: date, next_step: str
) -> str:
    """The newest claim's step (`step` None for a stopped claim) and what comes next, in the
    words of public tracking."""
    where = f"{step_label} (tahap {step}/5)" if step is not None else step_label
    return f"Klaim JHT KPJ {mask_kpj(kpj)} per {format_date_id(updated_on)}: {where}. {next_step}"


def no_claim_reply(kpj: str) -> str:
    return f"Belum ada klaim JHT untuk KPJ {mask_kpj(kpj)}."


def reply_for_format(command: SmsCommand) -> str | None:
    """The reply that needs nothing from the database: help and bad formats."""
    if isinstance(command, Help):
        return HELP_REPLY
    if isinstance(command, BadFormat):
        return BAD_FORMAT_REPLIES[command.command]
    return None
