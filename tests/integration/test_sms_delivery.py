"""SMS out (channels.md, SMS 2757; api.md JHT_SMS): the outbox folder writes one file per
message; the HTTP provider adapter, against a local fake provider, retries 5xx, timeouts and
lost connections with a growing delay under one message_id and closes a 4xx with its error;
nothing is sent twice; the claim notifications of the named moments are queued as SMS that fit
one GSM-7 message without a NIK; and every link in a mail or an SMS is absolute, under
JHT_PUBLIC_URL."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from claims.booking.jobs import interview_reminders
from claims.casework import applicant, facts
from claims.casework.review import DocumentDecision, review_documents
from claims.clock import Clock
from claims.db import Database
from claims.jobs.registry import REGISTRY, load_job_modules
from claims.models import Claim, OutboxMessage
from claims.notifications.dispatcher import dispatch_notifications
from claims.notifications.sms import HttpSmsSender, dispatch_sms, sms_text
from claims.notifications.sms_templates import SMS_TEMPLATES, render_sms
from claims.notifications.templates import message_context
from claims.payouts.dispatcher import dispatch_payouts
from claims.runtime import Runtime
from claims.settings import Settings
from claims.sms_outbox import NotOneSms, enqueue_sms
from tests.e2e.payout_process import approve_one, reasons_for
from tests.integration.test_casework import drive_to_interview
from tests.integration.test_jobs_sandbox import app_for
from tests.integration.test_notifications_delivery import PARAMS
from tests.support import (
    NOW,
    add_staff,
    attach_documents_directly,
    create,
    load_samples,
    new_claim_request,
    sample,
)
from workflow.sms_text import SMS_LIMIT, gsm7_length
from workflow.states import ClaimReason

PHONE = "+6281234567890"
PUBLIC = "http://testserver"  # tests/conftest.py
ROW = "resignation: balance 80.000.000"
LATER = NOW + timedelta(days=40)


class FakeProvider:
    """An SMS provider on 127.0.0.1: writes down every request and answers from `script`
    (one status per request, then 200); the first `slow` requests are answered late."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = []
        self.slow = 0
        self.accepted: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append(body)
                if provider.slow:
                    provider.slow -= 1
                    time.sleep(1.0)
                status = provider.script.pop(0) if provider.script else 200
                if status == 200 and body["message_id"] not in {
                    seen["message_id"] for seen in provider.accepted
                }:
                    provider.accepted.append(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "refused"}' if status >= 400 else b'{"ok": true}')

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as running:
        yield running


def runtime_with(db: Database, data_dir: Path, sms: str = "outbox") -> Runtime:
    settings = Settings(database_url=db.url, data_dir=data_dir, sms=sms, scheduler=False)
    return Runtime(settings=settings, db=db, clock=Clock())


def sms_rows(db: Database, claim_id: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "sms").order_by(OutboxMessage.id)
    if claim_id is not None:
        query = query.where(OutboxMessage.claim_id == claim_id)
    with db.read_only() as session:
        return list(session.scalars(query))


def queue(db: Database, text: str, key: str | None = None) -> None:
    with db.unit_of_work() as session:
        enqueue_sms(session, PHONE, text, NOW, key=key)


def sent_files(runtime: Runtime) -> list[dict[str, str]]:
    folder = runtime.settings.outbox_sms_dir
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


# --- the outbox folder ----------------------------------------------------------------------


def test_the_outbox_folder_has_one_file_per_message(db: Database, data_dir: Path) -> None:
    queue(db, "Saldo JHT Anda Rp 1.000.000 per 16-11-2026.")
    queue(db, "Balas BANTUAN untuk daftar perintah.")
    runtime = runtime_with(db, data_dir)
    assert dispatch_sms(runtime, NOW) == 2
    assert dispatch_sms(runtime, NOW + timedelta(minutes=5)) == 0
    files = sent_files(runtime)
    assert [(f["to"], f["text"]) for f in files] == [
        (PHONE, "Saldo JHT Anda Rp 1.000.000 per 16-11-2026."),
        (PHONE, "Balas BANTUAN untuk daftar perintah."),
    ]
    names = sorted(path.stem for path in runtime.settings.outbox_sms_dir.glob("*.json"))
    assert names == sorted(f["message_id"] for f in files)
    assert all(row.done_at and row.last_error is None for row in sms_rows(db))


def test_a_key_queues_a_message_once(db: Database) -> None:
    queue(db, "Kode Anda 123456.", key="code-1")
    with pytest.raises(Exception):
        queue(db, "Kode Anda 123456.", key="code-1")
    assert len(sms_rows(db)) == 1


@pytest.mark.parametrize("text", ["x" * (SMS_LIMIT + 1), "[" * 81, "Saldo — Rp 1"])
def test_a_text_that_is_not_one_gsm7_sms_is_refused_when_queued(db: Database, text: str) -> None:
    with pytest.raises(NotOneSms):
        queue(db, text)
    assert sms_rows(db) == []


# --- the HTTP provider ------------------------------------------------------------------------

CODE = "Kode masuk Anda 123456."


def queued_for(db: Database, data_dir: Path, provider: FakeProvider, *answers: int) -> Runtime:
    """One SMS queued, a runtime sending to `provider`, which first answers `answers`."""
    queue(db, CODE)
    provider.script = list(answers)
    return runtime_with(db, data_dir, provider.url)


def test_server_errors_are_retried_with_a_growing_delay_and_sent_once(
    db: Database, data_dir: Path, provider: FakeProvider
) -> None:
    runtime = queued_for(db, data_dir, provider, 500, 503)
    assert dispatch_sms(runtime, NOW) == 0
    [row] = sms_rows(db)
    first_delay = row.available_at - NOW
    assert row.done_at is None and row.attempts == 1 and "500" in (row.last_error or "")
    # Not due again before the delay has passed.
    assert dispatch_sms(runtime, NOW + first_delay / 2) == 0 and len(provider.requests) == 1
    moment = row.available_at
    assert dispatch_sms(runtime, moment) == 0
    [row] = sms_rows(db)
    assert row.available_at - moment > first_delay  # backoff: each wait longer than the last
    assert dispatch_sms(runtime, row.available_at) == 1
    [row] = sms_rows(db)
    assert row.done_at is not None and row.last_error is None and row.attempts == 3
    assert [r["message_id"] for r in provider.requests] == [provider.requests[0]["message_id"]] * 3
    assert provider.requests[0] == {
        "to": PHONE,
        "text": CODE,
        "message_id": provider.requests[0]["message_id"],
    }
    # Delivered: the dispatcher running again, now or later, sends nothing more.
    assert dispatch_sms(runtime, LATER) == 0 and dispatch_sms(runtime, LATER) == 0
    assert len(provider.requests) == 3 and len(provider.accepted) == 1
    assert not runtime.settings.outbox_sms_dir.exists()


def test_a_refusal_is_closed_with_its_error_and_not_retried(
    db: Database, data_dir: Path, provider: FakeProvider
) -> None:
    runtime = queued_for(db, data_dir, provider, 400)
    assert dispatch_sms(runtime, NOW) == 1
    [row] = sms_rows(db)
    assert row.done_at is not None and row.attempts == 1
    # The status only: a provider's answer may echo the text (a sign-in code, say).
    assert "400" in (row.last_error or "") and "refused" not in (row.last_error or "")
    assert dispatch_sms(runtime, LATER) == 0 and len(provider.requests) == 1


def test_too_many_requests_is_tried_again(
    db: Database, data_dir: Path, provider: FakeProvider
) -> None:
    runtime = queued_for(db, data_dir, provider, 429)
    assert dispatch_sms(runtime, NOW) == 0
    assert dispatch_sms(runtime, LATER) == 1 and len(provider.accepted) == 1


def test_a_timeout_is_retried_under_the_same_message_id(
    db: Database, data_dir: Path, provider: FakeProvider
) -> None:
    runtime = queued_for(db, data_dir, provider)
    provider.slow = 1
    sender = HttpSmsSender(provider.url, timeout_seconds=0.2)
    assert dispatch_sms(runtime, NOW, sender=sender) == 0
    [row] = sms_rows(db)
    assert row.done_at is None and "Timeout" in (row.last_error or "")
    assert dispatch_sms(runtime, LATER, sender=sender) == 1
    # The provider may have got the late first request too: one message_id, so one SMS.
    assert len({r["message_id"] for r in provider.requests}) == 1
    assert len(provider.accepted) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_provider_is_tried_again_later(db: Database, data_dir: Path) -> None:
    queue(db, CODE)
    runtime = runtime_with(db, data_dir, f"http://127.0.0.1:{free_port()}/send")
    assert dispatch_sms(runtime, NOW) == 0
    [row] = sms_rows(db)
    assert row.done_at is None and "ConnectError" in (row.last_error or "")
    assert row.available_at > NOW and row.locked_until is None


@pytest.mark.parametrize("value", ["smtp://127.0.0.1:25", "outbox/", "http://", "provider"])
def test_jht_sms_is_outbox_or_an_http_address(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(sms=value)
    assert Settings(sms="https://sms.example/send").sms == "https://sms.example/send"
    assert Settings().sms == "outbox"


# --- claim notifications by SMS ------------------------------------------------------------


@pytest.fixture
def runtime(db: Database, data_dir: Path, tmp_path: Path) -> Runtime:
    load_samples(db, tmp_path / "samples")
    return runtime_with(db, data_dir)


def claim_of(db: Database, claim_id: str) -> Claim:
    with db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim


def delivered_texts(runtime: Runtime, claim_id: str, now: Any) -> dict[str, str]:
    """Sends what is due and answers each SMS of the claim's notifications by template."""
    dispatch_sms(runtime, now)
    by_id = {f["message_id"]: f for f in sent_files(runtime)}
    texts: dict[str, str] = {}
    for row in sms_rows(runtime.db, claim_id):
        assert row.done_at is not None and row.last_error is None, row.last_error
        [sent] = [f for name, f in by_id.items() if name.startswith(f"{row.id:010d}-")]
        assert sent["to"] == claim_of(runtime.db, claim_id).phone
        texts[row.payload["template"]] = sent["text"]
    return texts


def assert_one_safe_sms(runtime: Runtime, claim_id: str, row: dict[str, str], text: str) -> None:
    claim = claim_of(runtime.db, claim_id)
    assert gsm7_length(text) <= SMS_LIMIT, text
    assert row["nik"] not in text and row["kpj"] not in text
    assert claim.reference in text and f"{PUBLIC}/claims/{claim_id}" in text


def test_creation_and_the_interview_are_told_by_sms(runtime: Runtime) -> None:
    row = sample(ROW)
    _, claim_id, interview = drive_to_interview(runtime.db, row, ClaimReason.resignation)
    before = interview.starts_at - timedelta(minutes=50)
    # A job that runs twice queues one reminder.
    assert interview_reminders(runtime, before) == 1
    assert interview_reminders(runtime, before) == 0
    texts = delivered_texts(runtime, claim_id, before)
    assert set(texts) == {"claim_created", "claim_submitted", "interview_booked", "reminder_1h"}
    for text in texts.values():
        assert_one_safe_sms(runtime, claim_id, row, text)
    assert "Klaim JHT" in texts["claim_created"] and "dibuat" in texts["claim_created"]
    assert "1 jam lagi" in texts["reminder_1h"]
    assert any(zone in texts["interview_booked"] for zone in ("WIB", "WITA", "WIT"))
    # Sent once: the dispatcher running again sends nothing more.
    assert dispatch_sms(runtime, before + timedelta(minutes=1)) == 0
    assert len(sent_files(runtime)) == 4


def test_a_request_for_corrections_is_told_by_sms(runtime: Runtime) -> None:
    row = sample("termination: PHK 3 months ago")
    staff = add_staff(runtime.db, row["_branch"])
    claim_id = create(runtime.db, new_claim_request(row, ClaimReason.termination)).claim_id
    with runtime.db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        applicant.set_bank_account(session, claim, "002", "0011223344", row["full_name"], NOW)
        applicant.set_npwp(session, claim, "012345678901000", NOW)
    types = attach_documents_directly(runtime.db, claim_id)
    with runtime.db.unit_of_work() as session:
        applicant.submit(session, facts.get_claim(session, claim_id), NOW)
    decisions = [
        DocumentDecision(t, t != "ktp", None if t != "ktp" else "document_unreadable")
        for t in types
    ]
    with runtime.db.unit_of_work() as session:
        review_documents(
            session, facts.get_claim(session, claim_id), staff.verifier, decisions, NOW
        )
    texts = delivered_texts(runtime, claim_id, NOW)
    assert set(texts) == {"claim_created", "claim_submitted", "revision_requested"}
    assert_one_safe_sms(runtime, claim_id, row, texts["revision_requested"])
    assert "perlu diperbaiki" in texts["revision_requested"]


def test_a_failed_payout_and_the_payment_are_told_by_sms(runtime: Runtime) -> None:
    row = sample(ROW)
    staff = add_staff(runtime.db, row["_branch"])
    # An account the simulated bank reports closed, then the applicant's own account.
    claim_id = approve_one(runtime.db, row, reasons_for(row["_label"])[0], staff, "1234560000")
    assert claim_id is not None
    assert dispatch_payouts(runtime, LATER) == 1
    holder = claim_of(runtime.db, claim_id).account_holder
    with runtime.db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        applicant.set_bank_account(session, claim, "008", "9876543210", str(holder), LATER)
    assert dispatch_payouts(runtime, LATER + timedelta(minutes=1)) == 1
    texts = delivered_texts(runtime, claim_id, LATER + timedelta(minutes=1))
    assert {"payout_failed", "paid"} <= set(texts)
    for template in ("payout_failed", "paid"):
        assert_one_safe_sms(runtime, claim_id, row, texts[template])
    assert "gagal" in texts["payout_failed"]
    assert "dibayar" in texts["paid"] and "9876543210" not in texts["paid"]


def test_the_sandbox_clock_sends_queued_sms(db: Database, data_dir: Path, tmp_path: Path) -> None:
    load_samples(db, tmp_path / "samples")
    claim_id = create(db, new_claim_request(sample(ROW), ClaimReason.resignation)).claim_id
    settings = Settings(database_url=db.url, data_dir=data_dir, sandbox=True, scheduler=False)
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    load_job_modules()
    client = TestClient(app_for(runtime, REGISTRY))
    answer = client.post("/api/v1/sandbox/clock", json={"advance_seconds": 60})
    assert answer.status_code == 200, answer.text
    [sent] = sent_files(runtime)
    assert sent["to"] == claim_of(db, claim_id).phone
    assert f"{PUBLIC}/claims/{claim_id}" in sent["text"]


# --- every text fits, every link is absolute --------------------------------------------------


LONG_PUBLIC_URL = "https://klaim-jht.bpjsketenagakerjaan.go.id"
CLAIM_ID = "0b5d7c1e-8f3a-4e2b-9c6d-1a2b3c4d5e6f"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("template", sorted(SMS_TEMPLATES))
def test_every_sms_text_fits_one_message_with_a_long_public_url(
    template: str, language: str
) -> None:
    params = dict(PARAMS[template])
    if template == "paid":
        params["net"] = 999_999_999_999  # the longest amount we could ever pay
    text = render_sms(
        template, message_context(language, "JHT-2611-ABCDEF", params, CLAIM_ID, LONG_PUBLIC_URL)
    )
    assert text.endswith(f"{LONG_PUBLIC_URL}/claims/{CLAIM_ID}")
    assert gsm7_length(text) <= SMS_LIMIT, (gsm7_length(text), text)
    english = render_sms(
        template, message_context("en", "JHT-2611-ABCDEF", params, CLAIM_ID, LONG_PUBLIC_URL)
    )
    assert (english == text) == (language == "en")


def test_mail_links_are_absolute_under_the_public_url(runtime: Runtime) -> None:
    claim_id = create(runtime.db, new_claim_request(sample(ROW), ClaimReason.resignation)).claim_id
    assert runtime.settings.public_url == PUBLIC
    assert dispatch_notifications(runtime, NOW) == 1
    [path] = sorted(runtime.settings.outbox_mail_dir.glob("*.eml"))
    body = (
        message_from_bytes(path.read_bytes(), policy=policy.default)
        .get_body(("plain",))
        .get_content()  # type: ignore[union-attr]
    )
    links = [word for word in body.split() if "/claims/" in word or "/track" in word]
    assert links == [f"{PUBLIC}/claims/{claim_id}"]


def test_a_public_url_too_long_for_the_claim_link_sends_the_tracking_link() -> None:
    """Past 43 characters of JHT_PUBLIC_URL the claim's link no longer fits one SMS: the
    message still goes, with the shorter absolute link to /track."""
    longer = "https://klaim-jht-online.layanan.bpjsketenagakerjaan.go.id"
    payload = {
        "template": "claim_created",
        "language": "id",
        "reference": "JHT-2611-ABCDEF",
        "params": {},
    }
    text = sms_text(payload, CLAIM_ID, longer)
    assert text.endswith(f"{longer}/track") and gsm7_length(text) <= SMS_LIMIT
    assert sms_text(payload, CLAIM_ID, LONG_PUBLIC_URL).endswith(f"/claims/{CLAIM_ID}")
