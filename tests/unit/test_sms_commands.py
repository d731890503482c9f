"""SMS 2757's commands as people type them (channels.md), and the replies' limits: one SMS of
GSM-7 each, never a NIK, a KPJ only masked."""

from __future__ import annotations

from datetime import date

import pytest

from claims.casework.tracking import NEXT_STEPS, STEP_LABELS, STOPPED_LABEL
from workflow.identifiers import Kpj, Nik, mask_kpj
from workflow.sms_commands import (
    BAD_FORMAT_REPLIES,
    HELP_REPLY,
    REGISTRATION_FAILED_REPLY,
    TOO_MANY_ATTEMPTS_REPLY,
    TOO_MANY_REQUESTS_REPLY,
    BadFormat,
    Balance,
    CommandName,
    Help,
    Register,
    SmsCommand,
    Status,
    balance_reply,
    command_name,
    no_claim_reply,
    not_registered_reply,
    parse_sms,
    registered_reply,
    rupiah,
    status_reply,
)
from workflow.sms_text import SMS_LIMIT, gsm7_length

NIK = "3174010712910001"  # born 07-12-1991
KPJ = "26000000005"
BORN = date(1991, 12, 7)
REGISTER = BadFormat(CommandName.register)
BALANCE = BadFormat(CommandName.balance)
STATUS = BadFormat(CommandName.status)


def by_date(email: str | None = None, kpj: str = KPJ) -> Register:
    return Register(Nik(NIK), Kpj(kpj), birth_date=BORN, email=email)


def by_name(name: str, email: str | None = None) -> Register:
    return Register(Nik(NIK), Kpj(KPJ), full_name=name, email=email)


MESSAGES: list[tuple[str, SmsCommand]] = [
    # DAFTAR SALDO with the birth date, as the leaflets print it and as people type it
    (f"DAFTAR SALDO#{NIK}#07-12-1991#{KPJ}#budi@contoh.id", by_date("budi@contoh.id")),
    (f"DAFTAR SALDO#{NIK}#07-12-1991#{KPJ}", by_date()),
    (f"daftar saldo#{NIK}#07-12-1991#{KPJ}", by_date()),
    (f"daftar saldo {NIK}  07-12-1991 {KPJ}", by_date()),
    (f"DAFTAR#SALDO#{NIK}#07-12-1991#{KPJ}", by_date()),
    (f"DAFTARSALDO#{NIK}#07-12-1991#{KPJ}", by_date()),
    (f"  Daftar  Saldo # {NIK} # 07-12-1991 # 2600-0000-005 # ", by_date()),
    (f"DAFTAR SALDO##{NIK}##07-12-1991##{KPJ}#", by_date()),
    (f"DAFTAR SALDO#{NIK}#07/12/1991#2600.0000.005", by_date()),
    (f"DAFTAR SALDO#{NIK}#7-12-1991#{KPJ}", by_date()),
    (f"DAFTAR SALDO#{NIK}#07121991#{KPJ}", by_date()),
    (f"DAFTAR SALDO#{NIK}#1991-12-07#{KPJ}", by_date()),
    (f"daftar saldo {NIK} 07-12-1991 {KPJ} budi@contoh.id", by_date("budi@contoh.id")),
    (f"DAFTAR SALDO#3174 0107 1291 0001#07-12-1991#{KPJ}", by_date()),
    # ... with the full name instead
    (f"DAFTAR SALDO#{NIK}#Budi Santoso#{KPJ}", by_name("Budi Santoso")),
    (
        f"daftar saldo#{NIK}#budi santoso#{KPJ}#budi@contoh.id",
        by_name("budi santoso", "budi@contoh.id"),
    ),
    (f"daftar saldo {NIK} Budi  Santoso {KPJ}", by_name("Budi Santoso")),
    (f"DAFTAR SALDO {NIK} SITI NUR'AINI, S.E. {KPJ}", by_name("SITI NUR'AINI, S.E.")),
    (f"DAFTAR SALDO#{NIK}#M. Rizki#{KPJ}", by_name("M. Rizki")),
    (f"DAFTAR SALDO#{NIK}#Budi#{KPJ}", by_name("Budi")),
    # ... malformed: the command is named, never the field
    ("DAFTAR SALDO", REGISTER),
    ("DAFTAR", REGISTER),
    (f"DAFTAR SALDO#{NIK}#07-12-1991", REGISTER),
    (f"DAFTAR SALDO#{NIK}#{KPJ}", REGISTER),
    (f"DAFTAR SALDO#{NIK[:-1]}#07-12-1991#{KPJ}", REGISTER),  # a 15-digit NIK
    (f"DAFTAR SALDO#{NIK}1#07-12-1991#{KPJ}", REGISTER),  # 17 digits
    (f"DAFTAR SALDO#31740107129I0001#07-12-1991#{KPJ}", REGISTER),  # a letter I for a 1
    (f"DAFTAR SALDO#{NIK}#31-02-1991#{KPJ}", REGISTER),  # no such day
    (f"DAFTAR SALDO#{NIK}#07-12-91#{KPJ}", REGISTER),  # a two-digit year
    (f"DAFTAR SALDO#{NIK}#07-12-1991#2600000000", REGISTER),  # a 10-digit KPJ
    (f"DAFTAR SALDO#{NIK}#07-12-1991#{KPJ}#budi(at)contoh.id", REGISTER),
    (f"DAFTAR SALDO#{NIK}#07-12-1991#{KPJ}#budi@contoh.id#extra", REGISTER),
    (f"DAFTAR SALDO#{NIK}#Budi 🙏#{KPJ}", REGISTER),
    (f"DAFTAR SALDO#{NIK}#Budi2 Santoso#{KPJ}", REGISTER),
    (f"DAFTAR SALDO#{NIK}#{'A' * 201}#{KPJ}", REGISTER),
    (f"DAFTAR SALDOO#{NIK}#07-12-1991#{KPJ}", REGISTER),  # a typo after DAFTAR
    (f"REG SALDO#{NIK}#07-12-1991#{KPJ}", REGISTER),  # the retired keyword
    (f"REG#{NIK}#{KPJ}", REGISTER),
    # SALDO
    (f"SALDO {KPJ}", Balance(Kpj(KPJ))),
    (f"saldo {KPJ}", Balance(Kpj(KPJ))),
    (f"Saldo#{KPJ}", Balance(Kpj(KPJ))),
    ("SALDO 2600-0000-005", Balance(Kpj(KPJ))),
    ("saldo   2600.0000.005  ", Balance(Kpj(KPJ))),
    (f"SALDO{KPJ}", Balance(Kpj(KPJ))),
    ("SALDO # 2600 0000 005 #", Balance(Kpj(KPJ))),
    ("ＳＡＬＤＯ　２６００００００００５", Balance(Kpj(KPJ))),  # full-width, as some phones send
    ("SALDO", BALANCE),
    ("SALDO 2600000000", BALANCE),
    ("SALDO 260000000055", BALANCE),
    (f"SALDO {KPJ} 🙏", BALANCE),
    (f"SALDO {KPJ} tolong", BALANCE),
    ("SALDO KPJ", BALANCE),
    # STATUS
    (f"STATUS {KPJ}", Status(Kpj(KPJ))),
    (f"status#{KPJ}", Status(Kpj(KPJ))),
    ("Status 2600-0000-005", Status(Kpj(KPJ))),
    ("STATUS", STATUS),
    ("STATUS klaim saya", STATUS),
    # help: asked for, or anything else
    ("BANTUAN", Help()),
    ("bantuan", Help()),
    ("HELP", Help()),
    ("", Help()),
    ("   ", Help()),
    ("🙏🙏🙏", Help()),
    ("Halo, saya mau cek saldo JHT saya", Help()),
    ("SALDOKU", Help()),
    ("STATUSNYA", Help()),
    ("CEK SALDO 26000000005", Help()),
    ("INFO", Help()),
    ("x" * 5000, Help()),
    ("DAFTAR SALDO#" + "1" * 5000, REGISTER),
]


@pytest.mark.parametrize(("text", "expected"), MESSAGES, ids=lambda value: repr(value)[:40])
def test_a_message_is_its_command(text: str, expected: SmsCommand) -> None:
    assert parse_sms(text) == expected


def test_the_table_has_at_least_forty_messages_good_and_bad() -> None:
    assert len(MESSAGES) >= 40
    assert sum(isinstance(c, BadFormat) for _, c in MESSAGES) >= 15
    assert sum(isinstance(c, Register | Balance | Status) for _, c in MESSAGES) >= 15


def test_a_birth_date_that_disagrees_with_the_nik_is_for_the_identity_check_to_refuse() -> None:
    # Refusing it here would tell the sender which field was wrong.
    assert parse_sms(f"DAFTAR SALDO#{NIK}#08-12-1991#{KPJ}") == Register(
        Nik(NIK), Kpj(KPJ), birth_date=date(1991, 12, 8)
    )


def test_a_malformed_command_names_the_command_only() -> None:
    replies = {
        BAD_FORMAT_REPLIES[command_name(parse_sms(text))]
        for text in (
            f"DAFTAR SALDO#{NIK[:-1]}#07-12-1991#{KPJ}",
            f"DAFTAR SALDO#{NIK}#31-02-1991#{KPJ}",
            f"DAFTAR SALDO#{NIK}#07-12-1991#2600000000",
            f"DAFTAR SALDO#{NIK}#07-12-1991#{KPJ}#bukan-email",
        )
    }
    assert replies == {BAD_FORMAT_REPLIES[CommandName.register]}


def test_mask_kpj_shows_the_first_four_and_last_three_digits() -> None:
    assert mask_kpj("26000000005") == "2600****005"


def test_money_and_dates_as_people_write_them() -> None:
    assert rupiah(80_000_000) == "Rp 80.000.000"
    assert rupiah(0) == "Rp 0"
    assert balance_reply(KPJ, 80_000_000, date(2026, 11, 16)).startswith(
        "Saldo JHT KPJ 2600****005 per 16-11-2026: Rp 80.000.000."
    )


# --- the replies ------------------------------------------------------------------


LONGEST_KPJ = "99999999999"
LONGEST_MONEY = 9_999_999_999_999  # Rp 9.999.999.999.999: more than any JHT account
LONGEST_DAY = date(2026, 12, 31)


def every_reply() -> list[str]:
    """Every reply the service can send, each with the longest values it can hold, and the
    status reply for every step and next step public tracking can say."""
    replies = [
        HELP_REPLY,
        REGISTRATION_FAILED_REPLY,
        TOO_MANY_ATTEMPTS_REPLY,
        TOO_MANY_REQUESTS_REPLY,
        *BAD_FORMAT_REPLIES.values(),
        registered_reply(LONGEST_KPJ),
        balance_reply(LONGEST_KPJ, LONGEST_MONEY, LONGEST_DAY),
        not_registered_reply(LONGEST_KPJ),
        no_claim_reply(LONGEST_KPJ),
    ]
    labels = [(label_id, step) for step, (label_id, _) in STEP_LABELS.items()]
    labels += [(label_id, None) for label_id, _ in STOPPED_LABEL.values()]
    for label, step in labels:
        for next_id, _ in NEXT_STEPS.values():
            replies.append(status_reply(LONGEST_KPJ, label, step, LONGEST_DAY, next_id))
    return replies


@pytest.mark.parametrize("reply", every_reply(), ids=lambda reply: reply[:30])
def test_every_reply_is_one_gsm7_sms(reply: str) -> None:
    assert gsm7_length(reply) <= SMS_LIMIT, reply  # NotGsm7 for a character GSM-7 lacks


@pytest.mark.parametrize("reply", every_reply(), ids=lambda reply: reply[:30])
def test_no_reply_shows_a_nik_or_a_whole_kpj(reply: str) -> None:
    assert LONGEST_KPJ not in reply
    assert not any(
        len(run) >= 11 for run in "".join(c if c.isdigit() else " " for c in reply).split()
    )
