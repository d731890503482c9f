"""The timed work of interviews and drafts: reminders, automatic no-show, cancellation of a
miss not rebooked, draft warning and expiry, and the SLA breach count. Each job is run at the
service level at chosen instants (and twice, to show the second run does nothing), and again
through the sandbox clock endpoint, which runs every due job before it answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from claims.app import create_app
from claims.booking import jobs
from claims.booking.book import rebook
from claims.booking.outcomes import record_outcome
from claims.casework import applicant, facts
from claims.clock import Clock
from claims.db import Database
from claims.jobs.registry import REGISTRY, load_job_modules
from claims.models import Claim, ClaimEvent, Interview, OutboxMessage, SandboxClock
from claims.ratelimits import RateLimits
from claims.repositories.bookings import live_interview
from claims.repositories.sandbox_clock import SANDBOX_CLOCK_ROW
from claims.runtime import Runtime
from claims.settings import Settings
from tests.integration.jobs_support import make_runtime
from tests.integration.test_booking import TEMPLATE, to_interview, utc
from tests.support import NOW, create, load_samples, new_claim_request, sample
from workflow.states import Actor, ActorRole, ClaimReason

LABEL = "resignation: left 3 months ago"  # Denpasar (WITA, UTC+8)
# Booked at NOW (Monday 11:00 WITA) for Tuesday 08:00 WITA.
FIRST_SLOT = utc(2026, 11, 17, 0, 0)
CLOCK = "/api/v1/sandbox/clock"


@pytest.fixture
def samples(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


@pytest.fixture
def runtime(samples: Database, data_dir: Path) -> Runtime:
    return make_runtime(samples, data_dir, sandbox=False)


def messages(db: Database, claim_id: str, template: str | None = None) -> list[OutboxMessage]:
    with db.read_only() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_id == claim_id, OutboxMessage.kind == "notification")
            .order_by(OutboxMessage.id)
        )
        return [m for m in rows if template is None or m.payload["template"] == template]


def claim_of(db: Database, claim_id: str) -> Claim:
    with db.read_only() as session:
        return facts.get_claim(session, claim_id)


def last_event(db: Database, claim_id: str) -> ClaimEvent:
    with db.read_only() as session:
        event = session.scalar(
            select(ClaimEvent)
            .where(ClaimEvent.claim_id == claim_id)
            .order_by(ClaimEvent.seq.desc())
            .limit(1)
        )
        assert event is not None
        return event


def move_to(db: Database, claim_id: str, starts_at: datetime, now: datetime = NOW) -> None:
    with db.unit_of_work() as session:
        rebook(session, facts.get_claim(session, claim_id), starts_at, now, TEMPLATE)


def test_the_jobs_are_registered() -> None:
    load_job_modules()
    names = {job.name for job in REGISTRY.jobs()}
    assert {
        "interview_reminders",
        "interview_no_shows",
        "missed_interview_cancellations",
        "draft_expiry",
    } <= names


# --- reminders ------------------------------------------------------------------------------


def test_reminders_24h_and_1h_before_each_once(samples: Database, runtime: Runtime) -> None:
    _, claim_id, _ = to_interview(samples, LABEL)
    thursday = utc(2026, 11, 19, 0, 0)  # Thursday 08:00 WITA, booked days ahead
    move_to(samples, claim_id, thursday)
    day_before, hour_before = thursday - timedelta(hours=24), thursday - timedelta(hours=1)
    run = jobs.interview_reminders

    assert run(runtime, day_before - timedelta(minutes=1)) == 0
    assert run(runtime, day_before) == 1
    assert run(runtime, day_before + timedelta(minutes=1)) == 0  # the second run: nothing
    assert run(runtime, hour_before - timedelta(minutes=1)) == 0
    assert run(runtime, hour_before) == 1
    assert run(runtime, hour_before + timedelta(minutes=5)) == 0
    sent = messages(samples, claim_id)
    reminders = [m for m in sent if m.payload["template"].startswith("reminder_")]
    assert [m.payload["template"] for m in reminders] == ["reminder_24h", "reminder_1h"]
    params = reminders[0].payload["params"]
    assert params["starts_at"] == thursday.isoformat() and params["timezone"] == "Asia/Makassar"
    assert params["branch_code"] == "DPS-RNN" and params["video_url"].startswith("https://")
    with samples.read_only() as session:
        interview = live_interview(session, claim_id)
        assert interview is not None
        assert interview.reminded_24h_at == day_before
        assert interview.reminded_1h_at == hour_before


def test_a_booking_made_less_than_a_day_ahead_gets_only_the_hour_reminder(
    samples: Database, runtime: Runtime
) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)
    assert interview.starts_at == FIRST_SLOT  # booked 21 hours ahead
    assert jobs.interview_reminders(runtime, FIRST_SLOT - timedelta(hours=20)) == 0
    assert jobs.interview_reminders(runtime, FIRST_SLOT - timedelta(hours=1)) == 1
    assert jobs.interview_reminders(runtime, FIRST_SLOT - timedelta(minutes=30)) == 0
    assert [m.payload["template"] for m in messages(samples, claim_id, "reminder_1h")] == [
        "reminder_1h"
    ]
    assert messages(samples, claim_id, "reminder_24h") == []


# --- automatic no-show and cancellation -----------------------------------------------------


def test_no_show_recorded_30_minutes_after_the_slot_ends(
    samples: Database, runtime: Runtime
) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)
    due = interview.ends_at + timedelta(minutes=30)
    assert jobs.interview_no_shows(runtime, due - timedelta(seconds=1)) == 0
    assert claim_of(samples, claim_id).status == "interview_scheduled"
    assert jobs.interview_no_shows(runtime, due) == 1
    assert jobs.interview_no_shows(runtime, due + timedelta(minutes=1)) == 0
    claim = claim_of(samples, claim_id)
    assert (claim.status, claim.misses) == ("interview_missed", 1)
    event = last_event(samples, claim_id)
    assert (event.trigger, event.actor_role, event.at) == ("record_no_show", "system", due)
    with samples.read_only() as session:
        row = session.get(Interview, interview.id)
        assert row is not None and (row.status, row.holds_seat) == ("no_show", False)
    assert len(messages(samples, claim_id, "interview_missed")) == 1


def test_a_miss_not_rebooked_in_5_working_days_cancels(samples: Database, runtime: Runtime) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)
    missed = interview.ends_at + timedelta(minutes=30)  # Tuesday 17 Nov 09:00 WITA
    assert jobs.interview_no_shows(runtime, missed) == 1
    due = utc(2026, 11, 24, 1, 0)  # five working days later, same local time
    with samples.read_only() as session:
        assert jobs.miss_cancellation_due_at(session, claim_of(samples, claim_id)) == due
    run = jobs.missed_interview_cancellations
    assert run(runtime, due - timedelta(minutes=1)) == 0
    assert run(runtime, due) == 1
    assert run(runtime, due + timedelta(hours=1)) == 0
    assert claim_of(samples, claim_id).status == "cancelled"
    event = last_event(samples, claim_id)
    assert (event.trigger, event.actor_role, event.reason_code) == (
        "cancel",
        "system",
        "interview_not_rebooked",
    )
    assert len(messages(samples, claim_id, "cancelled")) == 1


def test_a_rebooked_miss_is_not_cancelled_and_a_second_miss_cancels_at_once(
    samples: Database, runtime: Runtime
) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)
    missed = interview.ends_at + timedelta(minutes=30)
    assert jobs.interview_no_shows(runtime, missed) == 1
    again = utc(2026, 11, 20, 0, 0)  # Friday 08:00 WITA
    move_to(samples, claim_id, again, missed + timedelta(hours=1))
    assert jobs.missed_interview_cancellations(runtime, utc(2026, 11, 30, 1, 0)) == 0
    assert claim_of(samples, claim_id).status == "interview_scheduled"
    assert jobs.interview_no_shows(runtime, again + timedelta(hours=1)) == 1
    claim = claim_of(samples, claim_id)
    assert (claim.status, claim.misses) == ("cancelled", 2)
    assert last_event(samples, claim_id).reason_code == "interview_missed_twice"


# --- draft expiry ---------------------------------------------------------------------------


def new_draft(db: Database, label: str = LABEL) -> str:
    return create(db, new_claim_request(sample(label), ClaimReason.resignation)).claim_id


def test_draft_warned_at_23_days_then_expired_at_30(samples: Database, runtime: Runtime) -> None:
    claim_id = new_draft(samples)
    day = timedelta(days=1)
    run = jobs.draft_expiry
    assert run(runtime, NOW + 23 * day - timedelta(minutes=1)) == 0
    assert run(runtime, NOW + 23 * day) == 1
    assert run(runtime, NOW + 23 * day + timedelta(hours=1)) == 0  # warned once
    assert claim_of(samples, claim_id).expiry_warned_at == NOW + 23 * day
    assert run(runtime, NOW + 30 * day - timedelta(minutes=1)) == 0
    assert run(runtime, NOW + 30 * day) == 1
    assert run(runtime, NOW + 31 * day) == 0
    assert claim_of(samples, claim_id).status == "expired"
    event = last_event(samples, claim_id)
    assert (event.trigger, event.actor_role) == ("expire", "system")
    [warning] = messages(samples, claim_id, "expiry_warning")
    assert warning.payload["params"]["expires_at"] == (NOW + 30 * day).isoformat()
    assert len(messages(samples, claim_id, "expired")) == 1


def test_applicant_activity_restarts_the_spell_and_the_warning(
    samples: Database, runtime: Runtime
) -> None:
    claim_id = new_draft(samples)
    day = timedelta(days=1)
    assert jobs.draft_expiry(runtime, NOW + 23 * day) == 1
    acted = NOW + 24 * day
    with samples.unit_of_work() as session:
        applicant.set_npwp(
            session, facts.get_claim(session, claim_id), "01.234.567.8-901.000", acted
        )
    assert jobs.draft_expiry(runtime, NOW + 30 * day) == 0  # not expired: the applicant acted
    assert jobs.draft_expiry(runtime, acted + 23 * day - timedelta(minutes=1)) == 0
    assert jobs.draft_expiry(runtime, acted + 23 * day) == 1  # warned again for the new spell
    assert jobs.draft_expiry(runtime, acted + 23 * day + timedelta(minutes=1)) == 0
    assert len(messages(samples, claim_id, "expiry_warning")) == 2
    assert jobs.draft_expiry(runtime, acted + 30 * day) == 1
    assert claim_of(samples, claim_id).status == "expired"


def test_only_drafts_expire(samples: Database, runtime: Runtime) -> None:
    _, claim_id, _ = to_interview(samples, LABEL)
    assert jobs.draft_expiry(runtime, NOW + timedelta(days=60)) == 0
    assert claim_of(samples, claim_id).status == "interview_scheduled"


# --- through the sandbox clock --------------------------------------------------------------


@pytest.fixture
def sandbox(samples: Database, data_dir: Path) -> Iterator[TestClient]:
    """The whole app with JHT_SANDBOX on and no scheduler; its clock starts at NOW."""
    wall = datetime.now(UTC)
    with samples.unit_of_work() as session:
        session.add(
            SandboxClock(
                id=SANDBOX_CLOCK_ROW, offset_seconds=(NOW - wall).total_seconds(), updated_at=wall
            )
        )
    settings = Settings(database_url=samples.url, data_dir=data_dir, sandbox=True, scheduler=False)
    runtime = Runtime(settings=settings, db=samples, clock=Clock())
    runtime.refresh_clock()
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(default_per_client="100000/minute"),
    )
    with TestClient(app) as client:
        yield client


def set_clock(client: TestClient, moment: datetime) -> datetime:
    answer = client.post(CLOCK, json={"set": moment.isoformat()})
    assert answer.status_code == 200, answer.text
    return datetime.fromisoformat(answer.json()["now"])


def test_sandbox_clock_runs_reminder_no_show_and_cancellation(
    samples: Database, sandbox: TestClient
) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)
    set_clock(sandbox, interview.starts_at - timedelta(minutes=59))
    assert len(messages(samples, claim_id, "reminder_1h")) == 1
    assert claim_of(samples, claim_id).status == "interview_scheduled"
    set_clock(sandbox, interview.ends_at + timedelta(minutes=31))
    assert claim_of(samples, claim_id).status == "interview_missed"
    set_clock(sandbox, utc(2026, 11, 24, 0, 50))  # ten minutes before the 5 working days
    assert claim_of(samples, claim_id).status == "interview_missed"
    set_clock(sandbox, utc(2026, 11, 24, 1, 10))  # the miss was recorded at 01:01 and a bit
    assert claim_of(samples, claim_id).status == "cancelled"
    assert len(messages(samples, claim_id, "reminder_1h")) == 1  # never twice


def test_sandbox_clock_warns_and_expires_a_draft(samples: Database, sandbox: TestClient) -> None:
    claim_id = new_draft(samples)
    set_clock(sandbox, NOW + timedelta(days=23, minutes=1))
    assert len(messages(samples, claim_id, "expiry_warning")) == 1
    assert claim_of(samples, claim_id).status == "documents_pending"
    set_clock(sandbox, NOW + timedelta(days=29))
    assert len(messages(samples, claim_id, "expiry_warning")) == 1
    set_clock(sandbox, NOW + timedelta(days=30, minutes=1))
    assert claim_of(samples, claim_id).status == "expired"


def metric(client: TestClient, name: str) -> float:
    text = client.get("/metrics").text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_sla_breach_shows_in_metrics_when_the_clock_passes_the_due_date(
    samples: Database, sandbox: TestClient
) -> None:
    _, claim_id, interview = to_interview(samples, LABEL)  # waiting on BPJS: the clock runs
    due = claim_of(samples, claim_id).sla_due_at
    assert due is not None and due > interview.ends_at
    assert metric(sandbox, "jht_claims_sla_breached") == 0
    # Pass the interview so no job moves the claim, then go past the due date.
    set_clock(sandbox, interview.starts_at + timedelta(minutes=5))
    with samples.unit_of_work() as session:
        officer = session.scalar(
            select(Interview.interviewer_id).where(Interview.id == interview.id)
        )
        claim = facts.get_claim(session, claim_id)
        record_outcome(
            session,
            claim,
            Actor(ActorRole.interviewer, officer),
            "passed",
            None,
            None,
            interview.starts_at + timedelta(minutes=5),
        )
        due = claim.sla_due_at
    assert due is not None
    set_clock(sandbox, due - timedelta(hours=2))
    assert metric(sandbox, "jht_claims_sla_breached") == 0
    assert metric(sandbox, "jht_claims_sla_at_risk") == 1
    set_clock(sandbox, due + timedelta(minutes=1))
    assert metric(sandbox, "jht_claims_sla_breached") == 1
    assert metric(sandbox, "jht_claims_sla_at_risk") == 0
