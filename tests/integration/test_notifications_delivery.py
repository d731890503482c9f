"""Applicant messages: every template in Bahasa Indonesia and English, delivered from the
outbox as .eml files (the default) or over SMTP to a local aiosmtpd server."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from claims.clock import Clock
from claims.db import Database
from claims.models import OutboxMessage
from claims.notifications.dispatcher import MAX_ATTEMPTS, dispatch_notifications
from claims.notifications.templates import TEMPLATES, render
from claims.runtime import Runtime
from claims.settings import Settings
from tests.support import NOW, create, load_samples, new_claim_request, sample
from workflow.states import ClaimReason

INTERVIEW = {
    "starts_at": "2026-11-23T03:00:00+00:00",
    "ends_at": "2026-11-23T03:30:00+00:00",
    "timezone": "Asia/Makassar",
    "branch_code": "MKS-PTB",
    "branch_name": "Makassar Pettarani",
    "video_url": "https://meet.example/abc",
}
PARAMS: dict[str, dict[str, Any]] = {
    "claim_created": {},
    "claim_submitted": {"review_days": 5, "due_on": "2026-11-30"},
    "revision_requested": {
        "items": [{"doc_type": "ktp", "reason_code": "document_unreadable", "note": "blur"}]
    },
    "interview_booked": INTERVIEW,
    "interview_rebooked": INTERVIEW,
    "reminder_24h": INTERVIEW,
    "reminder_1h": INTERVIEW,
    "interview_missed": {},
    "approved": {"gross": 80_000_000, "tax": 1_500_000, "net": 78_500_000, "reference": "X-P1"},
    "paid": {
        "net": 78_500_000,
        "reference": "X-P1",
        "bank_code": "014",
        "account_number_masked": "****7890",
    },
    "payout_failed": {"reference": "X-P1", "reason": "account_closed", "note": ""},
    "rejected": {"reason_code": "membership_still_active", "note": ""},
    "cancelled": {"reason": "interview_missed_twice"},
    "expiry_warning": {"expires_on": "2026-12-16", "days_left": 7},
    "expired": {},
    "withdrawn_deceased": {"documents": ["akta_kematian", "surat_ahli_waris"]},
    "sign_in_code": {"code": "123456", "minutes": 10},
}
# Messages about no claim in particular: no reference, no link to a claim.
NOT_ABOUT_A_CLAIM = {"sign_in_code"}
EXPECTED = {
    ("claim_submitted", "id"): ["5 hari kerja", "paling lambat 30 November 2026"],
    ("claim_submitted", "en"): ["within 5 working days", "by 30 November 2026"],
    ("revision_requested", "id"): ["e-KTP", "tidak dapat dibaca", "blur"],
    ("revision_requested", "en"): ["cannot be read", "blur"],
    ("interview_booked", "id"): [
        "Senin, 23 November 2026 pukul 11.00 WITA",
        "https://meet.example/abc",
        "Makassar Pettarani",
    ],
    ("interview_booked", "en"): ["Monday, 23 November 2026 at 11:00 WITA"],
    ("approved", "id"): ["Rp 80.000.000", "Rp 1.500.000", "Rp 78.500.000"],
    ("approved", "en"): ["Gross amount: Rp 80.000.000", "Income tax: Rp 1.500.000"],
    ("paid", "id"): ["Rp 78.500.000", "****7890"],
    ("payout_failed", "id"): ["Rekening bank sudah ditutup"],
    ("payout_failed", "en"): ["The bank account is closed"],
    ("rejected", "id"): ["Kepesertaan Anda masih aktif"],
    ("rejected", "en"): ["Your membership is still active"],
    ("expiry_warning", "id"): ["16 Desember 2026"],
    ("expiry_warning", "en"): ["16 December 2026"],
    ("cancelled", "en"): ["missed the interview twice"],
    ("withdrawn_deceased", "id"): ["telah meninggal dunia", "- Akta kematian"],
    ("withdrawn_deceased", "en"): ["has passed away", "- Death certificate", "- Heir certificate"],
}


def test_every_template_has_params_listed() -> None:
    assert set(PARAMS) == set(TEMPLATES)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("template", sorted(PARAMS))
def test_templates_render_in_both_languages(template: str, language: str) -> None:
    public = "https://jht.example"
    message = render(
        template, language, "JHT-2026-000001", PARAMS[template], "claim-1", public_url=public
    )
    if template not in NOT_ABOUT_A_CLAIM:
        assert "JHT-2026-000001" in message.subject + message.body
    other = render(
        template,
        "en" if language == "id" else "id",
        "JHT-2026-000001",
        PARAMS[template],
        "claim-1",
        public_url=public,
    )
    assert other.body != message.body
    if template not in {"expired", *NOT_ABOUT_A_CLAIM}:
        assert "https://jht.example/claims/claim-1" in message.body
    for text in EXPECTED.get((template, language), []):
        assert text in message.body, text
    # Missing params never break a message.
    assert render(template, language, "R", {}, None, public_url=public).subject


@pytest.fixture
def samples(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


def runtime_with(db: Database, data_dir: Path, mail: str = "outbox") -> Runtime:
    settings = Settings(database_url=db.url, data_dir=data_dir, mail=mail, scheduler=False)
    return Runtime(settings=settings, db=db, clock=Clock())


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.read_only() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "notification")
                .order_by(OutboxMessage.id)
            )
        )


def new_claim(db: Database) -> tuple[str, str, str]:
    row = sample("resignation: balance 80.000.000")
    created = create(db, new_claim_request(row, ClaimReason.resignation))
    return created.claim_id, created.row["reference"], row["email"]


def test_claim_created_is_written_as_an_eml_file_once(samples: Database, data_dir: Path) -> None:
    claim_id, reference, address = new_claim(samples)
    runtime = runtime_with(samples, data_dir)
    assert dispatch_notifications(runtime, NOW) == 1
    assert dispatch_notifications(runtime, NOW + timedelta(minutes=5)) == 0
    [path] = sorted((data_dir / "mail").glob("*.eml"))
    mail = email.message_from_bytes(path.read_bytes())
    assert mail["To"] == address and reference in mail["Subject"]
    assert mail["Message-ID"] and mail["Content-Language"] == "id"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert f"/claims/{claim_id}" in body and "Klaim JHT Anda telah dibuat" in body
    assert all(row.done_at is not None and row.last_error is None for row in outbox_rows(samples))


class Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_smtp_delivery_to_a_local_server(samples: Database, data_dir: Path) -> None:
    _, reference, address = new_claim(samples)
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        runtime = runtime_with(samples, data_dir, f"smtp://127.0.0.1:{port}")
        assert dispatch_notifications(runtime, NOW) == 1
    finally:
        controller.stop()
    [mail] = collector.messages
    assert mail["To"] == address and reference in mail["Subject"]
    assert not (data_dir / "mail").exists()


def test_an_unreachable_smtp_server_is_retried_later(samples: Database, data_dir: Path) -> None:
    new_claim(samples)
    runtime = runtime_with(samples, data_dir, f"smtp://127.0.0.1:{free_port()}")
    assert dispatch_notifications(runtime, NOW) == 0
    [row] = outbox_rows(samples)
    assert row.done_at is None and row.attempts == 1 and row.last_error
    assert row.available_at > NOW and row.locked_until is None
    # Nothing is due until the delay has passed; then it is tried again, up to MAX_ATTEMPTS.
    assert dispatch_notifications(runtime, NOW) == 0
    assert outbox_rows(samples)[0].attempts == 1
    moment = NOW
    for _ in range(MAX_ATTEMPTS - 1):
        moment += timedelta(days=1)
        dispatch_notifications(runtime, moment)
    [row] = outbox_rows(samples)
    assert row.attempts == MAX_ATTEMPTS and row.done_at is not None and row.last_error


def test_an_unknown_template_is_closed_with_its_error(samples: Database, data_dir: Path) -> None:
    new_claim(samples)
    with samples.unit_of_work() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "notification")
        ).one()
        row.payload = {**row.payload, "template": "no_such_template"}
    runtime = runtime_with(samples, data_dir)
    assert dispatch_notifications(runtime, datetime.now(UTC)) == 1
    [row] = outbox_rows(samples)
    assert row.done_at is not None and "no_such_template" in (row.last_error or "")
    assert not list((data_dir / "mail").glob("*.eml")) if (data_dir / "mail").exists() else True
