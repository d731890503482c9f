"""SMS 2757 inbound over HTTP (channels.md; quality.md "SMS webhook": a bad signature is 401, a
replayed message does nothing, a balance goes only to the phone registered for that KPJ).
Each message is signed as the aggregator signs it, and each reply is read where the SMS
sender will find it: the outbox row queued for the sender. Also `jht sms simulate`."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from claims.casework.facts import kpj_account
from claims.clock import wib_date
from claims.models import (
    OutboxMessage,
    Participant,
    SmsInbound,
    SmsRegistration,
    VerificationAttempt,
)
from claims.ratelimits import RateLimiter, RateLimits
from tests.concurrency import all_at_once
from tests.e2e.api_helpers import RESIGNED, assert_problem
from tests.e2e.api_helpers import create_claim as create_over_http
from tests.e2e.conftest import Api
from tests.e2e.serving import jht_env, run_jht
from tests.e2e.test_api_account import PARTIAL_THEN_FULL, paid_claim
from tests.support import NOW, sample
from workflow.identifiers import mask_kpj
from workflow.sms_commands import (
    BAD_FORMAT_REPLIES,
    HELP_REPLY,
    REGISTRATION_FAILED_REPLY,
    TOO_MANY_ATTEMPTS_REPLY,
    TOO_MANY_REQUESTS_REPLY,
    CommandName,
    no_claim_reply,
    rupiah,
)

SECRET = "aggregator-shared-secret"
INBOUND = "/api/v1/sms/inbound"
EIGHTY = "resignation: balance 80.000.000 (tax example)"
PHONE = "081234567890"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def sms_api(api: Api) -> Api:
    """The e2e app (the spec's limits but the generous default per client) with
    JHT_SMS_SECRET set: the webhook reads the settings at each request."""
    api.runtime.settings = api.runtime.settings.model_copy(update={"sms_secret": SecretStr(SECRET)})
    return api


def message(text: str, sender: str = PHONE, message_id: str | None = None) -> dict[str, Any]:
    return {
        "message_id": message_id or uuid.uuid4().hex,
        "from": sender,
        "to": "2757",
        "text": text,
        "received_at": "2026-11-16T03:00:00+00:00",
    }


def signed(body: dict[str, Any] | bytes, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Signature": signature, "Content-Type": "application/json"}


def deliver(api: Api, body: dict[str, Any]) -> None:
    raw, headers = signed(body)
    answer = api.client.post(INBOUND, content=raw, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": True}


def replies(api: Api, message_id: str) -> list[dict[str, Any]]:
    """What was queued for the sender in answer to `message_id`."""
    with api.db.read_only() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"sms:reply:{message_id}")
        ).all()
        return [dict(row.payload) for row in rows]


def reply_to(api: Api, text: str, sender: str = PHONE) -> str:
    """Delivers `text` from `sender` as a new message; the one reply queued for it."""
    body = message(text, sender)
    deliver(api, body)
    queued = replies(api, body["message_id"])
    assert len(queued) == 1, queued
    digits = "".join(c for c in sender if c.isdigit())
    # Whichever way the aggregator wrote the number, the reply goes to one form of it.
    assert queued[0]["to"] == "+62" + digits.removeprefix("62").removeprefix("0")
    return str(queued[0]["text"])


def count(api: Api, model: Any, *where: Any) -> int:
    with api.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def dd_mm_yyyy(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"


def register_by_date(api: Api, label: str = EIGHTY, sender: str = PHONE) -> dict[str, str]:
    row = sample(label)
    text = f"DAFTAR SALDO#{row['nik']}#{dd_mm_yyyy(row['birth_date'])}#{row['kpj']}#{row['email']}"
    assert reply_to(api, text, sender).startswith("Pendaftaran berhasil")
    return row


def assert_nothing_personal(reply: str, row: dict[str, str]) -> None:
    assert row["nik"] not in reply and row["kpj"] not in reply
    assert row["full_name"].casefold() not in reply.casefold()


# --- the door: configuration, signature, body -----------------------------------------------


def test_without_a_secret_the_webhook_answers_503(api: Api) -> None:
    raw, headers = signed(message("BANTUAN"))
    assert_problem(
        api.client.post(INBOUND, content=raw, headers=headers), 503, "sms_not_configured"
    )
    assert count(api, SmsInbound) == 0


def test_a_missing_or_wrong_signature_is_401_and_nothing_is_done(sms_api: Api) -> None:
    body = message("BANTUAN")
    raw, good = signed(body)
    _, other_secret = signed(body, "another-secret")
    _, other_body = signed(message("BANTUAN"))
    for headers in (
        {"Content-Type": "application/json"},
        {**good, "X-Signature": ""},
        {**good, "X-Signature": "not hex at all"},
        other_secret,
        other_body,
    ):
        assert_problem(sms_api.client.post(INBOUND, content=raw, headers=headers), 401)
    # The signature covers the bytes sent: the same JSON spaced differently is another body.
    respaced = json.dumps(body, indent=2).encode()
    assert_problem(sms_api.client.post(INBOUND, content=respaced, headers=good), 401)
    assert count(sms_api, SmsInbound) == 0 and count(sms_api, OutboxMessage) == 0
    # Upper-case hex is the same signature.
    deliver_upper = {**good, "X-Signature": good["X-Signature"].upper()}
    assert sms_api.client.post(INBOUND, content=raw, headers=deliver_upper).status_code == 200


def test_an_unknown_or_missing_field_is_422_after_the_signature(sms_api: Api) -> None:
    for body in (
        {**message("BANTUAN"), "priority": "high"},
        {key: value for key, value in message("BANTUAN").items() if key != "from"},
        {**message("BANTUAN"), "received_at": "2026-11-16T03:00:00"},  # no time zone
    ):
        raw, headers = signed(body)
        problem = assert_problem(sms_api.client.post(INBOUND, content=raw, headers=headers), 422)
        assert problem["code"] == "validation_failed"
    # Unsigned, the same bodies are 401: nothing is parsed before the signature is checked.
    raw, _ = signed({**message("BANTUAN"), "priority": "high"})
    assert_problem(sms_api.client.post(INBOUND, content=raw), 401)
    assert count(sms_api, SmsInbound) == 0


def test_signed_bytes_that_are_no_json_are_400(sms_api: Api) -> None:
    raw, headers = signed(b'{"message_id": "m1", "from": ')
    assert_problem(sms_api.client.post(INBOUND, content=raw, headers=headers), 400)


def test_the_aggregator_is_not_held_to_the_default_limit_per_client(sms_api: Api) -> None:
    """Every message comes from the one aggregator: its limits are per phone and per KPJ."""
    sms_api.client.app.state.rate_limiter = RateLimiter(  # type: ignore[attr-defined]
        "memory://", RateLimits(default_per_client="3/minute")
    )
    for _ in range(5):
        assert reply_to(sms_api, "BANTUAN") == HELP_REPLY
    # An ordinary client's fourth request is refused: the limit was there all along.
    assert [sms_api.client.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]


# --- DAFTAR SALDO --------------------------------------------------------------------------


def test_daftar_saldo_registers_the_phone_with_the_birth_date_or_the_name(sms_api: Api) -> None:
    by_date = sample(EIGHTY)
    reply = reply_to(
        sms_api,
        f"daftar saldo {by_date['nik']}  {dd_mm_yyyy(by_date['birth_date'])} {by_date['kpj']}",
        "+62 812-3456-7890",
    )
    assert reply.startswith("Pendaftaran berhasil") and mask_kpj(by_date["kpj"]) in reply
    assert_nothing_personal(reply, by_date)

    by_name = sample(RESIGNED)
    kpj_as_typed = f"{by_name['kpj'][:4]}-{by_name['kpj'][4:8]}-{by_name['kpj'][8:]}"
    reply = reply_to(
        sms_api,
        f"DAFTAR SALDO#{by_name['nik']}#{by_name['full_name'].upper()}#{kpj_as_typed}#x@contoh.id",
        "6281298765432",
    )
    assert reply.startswith("Pendaftaran berhasil")
    assert_nothing_personal(reply, by_name)

    with sms_api.db.read_only() as session:
        registered = {
            (row.phone, row.kpj, row.email) for row in session.scalars(select(SmsRegistration))
        }
    assert registered == {
        ("+6281234567890", by_date["kpj"], None),
        ("+6281298765432", by_name["kpj"], "x@contoh.id"),
    }
    attempts = count(sms_api, VerificationAttempt, VerificationAttempt.succeeded.is_(True))
    assert attempts == 2


def test_a_wrong_identity_is_refused_without_saying_which_field(sms_api: Api) -> None:
    row = sample(EIGHTY)
    born = dd_mm_yyyy(row["birth_date"])
    other_day = dd_mm_yyyy(sample(RESIGNED)["birth_date"])
    wrong = [
        f"DAFTAR SALDO#{sample(RESIGNED)['nik']}#{born}#{row['kpj']}",  # another person's NIK
        f"DAFTAR SALDO#{row['nik']}#{other_day}#{row['kpj']}",  # another birth date
        f"DAFTAR SALDO#{row['nik']}#Orang Lain#{row['kpj']}",  # another name
        f"DAFTAR SALDO#{row['nik']}#{born}#{sample(RESIGNED)['kpj']}",  # another KPJ
        f"DAFTAR SALDO#{row['nik']}#{born}#26999999999",  # no such KPJ
    ]
    answers = {reply_to(sms_api, text, f"08129000000{i}") for i, text in enumerate(wrong)}
    assert answers == {REGISTRATION_FAILED_REPLY}
    assert count(sms_api, SmsRegistration) == 0
    failed = VerificationAttempt.succeeded.is_(False)
    assert count(sms_api, VerificationAttempt, failed) == 5
    clients = {"sms:+6281290000000", "sms:+6281290000001"}
    assert count(sms_api, VerificationAttempt, VerificationAttempt.client.in_(clients)) == 2


def test_the_sixth_attempt_on_a_kpj_is_refused_even_with_the_right_details(sms_api: Api) -> None:
    row = sample(EIGHTY)
    wrong = f"DAFTAR SALDO#{row['nik']}#Orang Lain#{row['kpj']}"
    for attempt in range(5):  # from five phones: the KPJ's window, not a phone's
        assert reply_to(sms_api, wrong, f"08129100000{attempt}") == REGISTRATION_FAILED_REPLY
    right = f"DAFTAR SALDO#{row['nik']}#{dd_mm_yyyy(row['birth_date'])}#{row['kpj']}"
    assert reply_to(sms_api, right, "081291000009") == TOO_MANY_ATTEMPTS_REPLY
    assert count(sms_api, VerificationAttempt) == 5  # the refused one was never checked
    assert count(sms_api, SmsRegistration) == 0


def test_a_phone_has_the_client_window_of_claim_creation(sms_api: Api) -> None:
    """20 attempts per 15 minutes from one phone (claim creation's per-client limit), each on
    another KPJ so that no KPJ's window fills first."""
    nik = sample(EIGHTY)["nik"]
    for n in range(20):
        text = f"DAFTAR SALDO#{nik}#01-01-1990#269000000{n:02d}"
        assert reply_to(sms_api, text) == REGISTRATION_FAILED_REPLY
    assert reply_to(sms_api, f"DAFTAR SALDO#{nik}#01-01-1990#26900000099") == (
        TOO_MANY_ATTEMPTS_REPLY
    )
    # Another phone is not held back by this one.
    assert reply_to(sms_api, f"DAFTAR SALDO#{nik}#01-01-1990#26900000098", "081299999999") == (
        REGISTRATION_FAILED_REPLY
    )


def test_a_malformed_registration_is_no_attempt(sms_api: Api) -> None:
    row = sample(EIGHTY)
    reply = reply_to(sms_api, f"DAFTAR SALDO#{row['nik'][:15]}#01-01-1990#{row['kpj']}")
    assert reply == BAD_FORMAT_REPLIES[CommandName.register]
    assert count(sms_api, VerificationAttempt) == 0


# --- SALDO ---------------------------------------------------------------------------------


def test_saldo_to_the_registered_phone_is_the_accounts_available_balance(sms_api: Api) -> None:
    row = register_by_date(sms_api)
    reply = reply_to(sms_api, f"Saldo#{row['kpj']}", "+6281234567890")  # another form, same phone
    with sms_api.db.read_only() as session:
        participant = session.get(Participant, row["kpj"])
        assert participant is not None
        available = kpj_account(session, participant, wib_date(NOW)).available
    assert available > 0
    assert reply.startswith(
        f"Saldo JHT KPJ {mask_kpj(row['kpj'])} per {wib_date(NOW):%d-%m-%Y}: {rupiah(available)}."
    )
    assert_nothing_personal(reply, row)


def test_saldo_after_a_partial_claim_is_what_is_left(sms_api: Api) -> None:
    row = register_by_date(sms_api, PARTIAL_THEN_FULL)
    paid_claim(sms_api, PARTIAL_THEN_FULL, "partial_housing")
    reply = reply_to(sms_api, f"SALDO {row['kpj']}")
    today = wib_date(sms_api.runtime.clock.now())
    with sms_api.db.read_only() as session:
        participant = session.get(Participant, row["kpj"])
        assert participant is not None
        account = kpj_account(session, participant, today)
    assert account.paid_out > 0 and 0 < account.available < account.statement_balance
    assert f": {rupiah(account.available)}." in reply and f"per {today:%d-%m-%Y}:" in reply


def test_saldo_to_another_phone_says_how_to_register_and_no_money(sms_api: Api) -> None:
    row = register_by_date(sms_api)
    other = sample(RESIGNED)
    register_by_date(sms_api, RESIGNED, "081277777777")  # registered, but for another KPJ
    for sender in ("081200000001", "081277777777"):
        reply = reply_to(sms_api, f"SALDO {row['kpj']}", sender)
        assert reply.startswith("Nomor ini belum terdaftar") and "DAFTAR SALDO" in reply
        # No money: the only numbers are the masked KPJ's and the short code.
        assert "Rp" not in reply
        assert set(re.findall(r"[0-9]+", reply)) <= {row["kpj"][:4], row["kpj"][-3:], "2757"}
    assert reply_to(sms_api, f"SALDO {other['kpj']}", "081277777777").startswith("Saldo JHT")


def test_saldo_is_limited_per_phone_and_per_kpj(sms_api: Api) -> None:
    row = register_by_date(sms_api)
    for _ in range(10):
        assert reply_to(sms_api, f"SALDO {row['kpj']}").startswith("Saldo JHT")
    assert reply_to(sms_api, f"SALDO {row['kpj']}") == TOO_MANY_REQUESTS_REPLY
    # The KPJ has had its ten lookups this hour too, from whichever phone.
    assert reply_to(sms_api, f"STATUS {row['kpj']}", "081255555555") == TOO_MANY_REQUESTS_REPLY
    # Help is not a lookup.
    assert reply_to(sms_api, "BANTUAN") == HELP_REPLY


# --- replays ---------------------------------------------------------------------------------


def test_a_replayed_message_is_answered_the_same_and_does_nothing(sms_api: Api) -> None:
    row = sample(EIGHTY)
    body = message(f"DAFTAR SALDO#{row['nik']}#Orang Lain#{row['kpj']}")
    for _ in range(3):
        deliver(sms_api, body)
    # The same id with another body: the first body was the message.
    deliver(sms_api, {**body, "text": "BANTUAN"})
    assert replies(sms_api, body["message_id"]) == [
        {"to": "+6281234567890", "text": REGISTRATION_FAILED_REPLY}
    ]
    assert count(sms_api, SmsInbound) == 1 and count(sms_api, OutboxMessage) == 1
    assert count(sms_api, VerificationAttempt) == 1  # no attempt spent on a replay
    with sms_api.db.read_only() as session:
        kept = session.get(SmsInbound, body["message_id"])
        assert kept is not None
        assert kept.request_hash == hashlib.sha256(signed(body)[0]).hexdigest()
        assert kept.command == "register" and kept.sender == "+6281234567890"


def test_twenty_identical_deliveries_at_once_get_one_reply(sms_api: Api) -> None:
    row = register_by_date(sms_api)
    raw, headers = signed(message(f"SALDO {row['kpj']}"))
    statuses = all_at_once(
        lambda _: sms_api.client.post(INBOUND, content=raw, headers=headers).status_code,
        list(range(20)),
    )
    assert statuses == [200] * 20
    assert count(sms_api, SmsInbound, SmsInbound.command == "balance") == 1
    assert count(sms_api, OutboxMessage) == 2  # the registration's reply and this one


# --- STATUS and help -----------------------------------------------------------------------


def test_status_says_the_newest_claims_step_as_tracking_does(sms_api: Api) -> None:
    row = sample(RESIGNED)
    assert reply_to(sms_api, f"STATUS {row['kpj']}") == no_claim_reply(row["kpj"])
    create_over_http(sms_api, RESIGNED)
    tracked = sms_api.client.get(f"/api/v1/tracking/{row['kpj']}").json()["claims"][0]
    reply = reply_to(sms_api, f"status {row['kpj']}", "081266666666")  # no registration needed
    assert reply == (
        f"Klaim JHT KPJ {mask_kpj(row['kpj'])} per {dd_mm_yyyy(tracked['updated_on'])}: "
        f"{tracked['step_label']} (tahap {tracked['step']}/5). {tracked['next_step']}"
    )
    assert_nothing_personal(reply, row)
    assert reply_to(sms_api, "STATUS 26999999999") == no_claim_reply("26999999999")


def test_bantuan_and_anything_else_get_the_commands(sms_api: Api) -> None:
    for text in ("BANTUAN", "help", "halo admin", "", "🙏"):
        assert reply_to(sms_api, text) == HELP_REPLY
    assert reply_to(sms_api, "SALDO") == BAD_FORMAT_REPLIES[CommandName.balance]
    assert reply_to(sms_api, "STATUS ku") == BAD_FORMAT_REPLIES[CommandName.status]


# --- jht sms simulate ----------------------------------------------------------------------


def test_jht_sms_simulate_prints_the_reply_on_a_fresh_data_folder(tmp_path: Path) -> None:
    env = jht_env(tmp_path / "var")  # no JHT_SMS_SECRET: the simulation needs none
    helped = run_jht("sms", "simulate", PHONE, "BANTUAN", env=env, cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.strip() == HELP_REPLY

    imported = run_jht(
        "participants", "import", str(SAMPLES / "participants.csv"), env=env, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr
    nik, kpj, born = "3101012111700001", "26000000001", "21-11-1970"  # Budi, samples/
    registered = run_jht(
        "sms", "simulate", PHONE, f"daftar saldo {nik} {born} {kpj}", env=env, cwd=tmp_path
    )
    assert registered.stdout.startswith("Pendaftaran berhasil"), registered.stderr
    balance = run_jht("sms", "simulate", "+6281234567890", f"SALDO {kpj}", env=env, cwd=tmp_path)
    assert balance.returncode == 0, balance.stderr
    assert balance.stdout.startswith(f"Saldo JHT KPJ {mask_kpj(kpj)} per ")
    assert "Rp " in balance.stdout and nik not in balance.stdout


def test_a_received_at_without_a_utc_form_is_refused_not_a_crash(sms_api: Api) -> None:
    body = {**message("SALDO 26000000005"), "received_at": "9999-12-31T23:59:59-14:00"}
    raw, headers = signed(body)
    answer = sms_api.client.post(INBOUND, content=raw, headers=headers)
    assert answer.status_code == 422, answer.text
