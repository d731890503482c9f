"""The seam between the jobs that queue notifications and the templates that render them:
what a job puts in the outbox comes out as a readable mail with the right values."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from claims.booking.jobs import draft_expiry, interview_reminders
from claims.clock import Clock
from claims.db import Database
from claims.notifications.dispatcher import dispatch_notifications
from claims.runtime import Runtime
from claims.settings import Settings
from tests.integration.test_casework import drive_to_interview
from tests.support import NOW, create, load_samples, new_claim_request, sample
from workflow.states import ClaimReason


@pytest.fixture
def runtime(db: Database, data_dir: Path, tmp_path: Path) -> Runtime:
    load_samples(db, tmp_path / "samples")
    return Runtime(settings=Settings(data_dir=data_dir, database_url=db.url), db=db, clock=Clock())


def mails(runtime: Runtime, now) -> list[str]:  # type: ignore[no-untyped-def]
    dispatch_notifications(runtime, now)
    folder = runtime.settings.outbox_mail_dir
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        .get_body(("plain",))
        .get_content()  # type: ignore[union-attr]
        for path in sorted(folder.glob("*.eml"))
    ]


def test_expiry_warning_mail_names_the_day(runtime: Runtime) -> None:
    row = sample("resignation: left 3 months ago")
    create(runtime.db, new_claim_request(row, ClaimReason.resignation))
    warned_at = NOW + timedelta(days=23, hours=1)
    assert draft_expiry(runtime, warned_at) == 1
    texts = mails(runtime, warned_at)
    # 30 days after the last activity (NOW), as the applicant reads dates in a letter.
    assert any("kedaluwarsa pada 16 Desember 2026" in text for text in texts)


def test_reminder_mail_has_time_zone_and_link(runtime: Runtime) -> None:
    row = sample("resignation: balance 80.000.000")
    _, _, interview = drive_to_interview(runtime.db, row, ClaimReason.resignation)
    # Booked less than a day ahead, so only the one-hour reminder is due.
    before = interview.starts_at - timedelta(minutes=50)
    assert interview_reminders(runtime, before) == 1
    texts = mails(runtime, before)
    reminder = next(text for text in texts if interview.video_url in text and "1 jam" in text)
    assert any(zone in reminder for zone in ("WIB", "WITA", "WIT"))
