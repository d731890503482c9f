"""The SLA clock: working time in WIB, paused while the applicant has the next step."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.calendar import WIB
from scheduling.errors import NaiveDatetime
from scheduling.sla import (
    SLA_RUNNING_STATUSES,
    SlaClock,
    SlaState,
    add_working_seconds,
    clock_for_status,
    due_at,
    pause,
    resume,
    sla_state,
    start,
    used_seconds,
    working_seconds_between,
)

DAY = 24 * 3600
HOUR = 3600


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(WIB))


@pytest.mark.parametrize(
    ("start_at", "end_at", "seconds"),
    [
        ("2026-08-10T10:00", "2026-08-11T10:00", DAY),  # Monday to Tuesday
        ("2026-08-10T10:00", "2026-08-10T10:00", 0),
        ("2026-08-11T10:00", "2026-08-10T10:00", 0),  # backwards counts nothing
        ("2026-08-15T09:00", "2026-08-16T18:00", 0),  # a weekend
        # Friday 14h, weekend, Independence Day Monday, Tuesday 10h.
        ("2026-08-14T10:00", "2026-08-18T10:00", DAY),
        # Joint leave Thursday 24 Dec, Christmas Friday, weekend: only Monday's first hour.
        ("2026-12-24T12:00", "2026-12-28T01:00", HOUR),
        ("2026-12-23T12:00", "2026-12-28T12:00", 12 * HOUR + 12 * HOUR),
        # Tuesday noon to the next Wednesday noon: 18-24 March are Nyepi, Eid al-Fitr and
        # their joint leave (18, 20, 23, 24 March).
        ("2026-03-17T12:00", "2026-03-25T12:00", DAY),
        ("2026-05-14T00:00", "2026-05-18T00:00", 0),  # Ascension and its joint leave Friday
    ],
)
def test_working_seconds_between(start_at: str, end_at: str, seconds: int) -> None:
    assert working_seconds_between(wib(start_at), wib(end_at)) == seconds


def test_working_time_follows_wib_dates() -> None:
    # Friday 17:30-23:59 UTC is already Saturday in WIB: no working time.
    friday_evening_utc = datetime(2026, 8, 14, 17, 30, tzinfo=UTC)
    friday_late_utc = datetime(2026, 8, 14, 23, 59, tzinfo=UTC)
    assert working_seconds_between(friday_evening_utc, friday_late_utc) == 0
    # and 16:30-17:00 UTC is the last half hour of the WIB Friday.
    assert (
        working_seconds_between(
            datetime(2026, 8, 14, 16, 30, tzinfo=UTC), datetime(2026, 8, 14, 18, 0, tzinfo=UTC)
        )
        == 1800
    )


@pytest.mark.parametrize(
    ("start_at", "seconds", "expected"),
    [
        ("2026-08-03T09:00", 5 * DAY, "2026-08-10T09:00"),
        # Monday 10 Aug + 5 working days skips the weekend and Independence Day.
        ("2026-08-10T10:00", 5 * DAY, "2026-08-18T10:00"),
        # Submitted Saturday: the budget starts Tuesday 00:00 and ends with Monday 24th.
        ("2026-08-15T10:00", 5 * DAY, "2026-08-25T00:00"),
        ("2026-08-14T10:00", 14 * HOUR, "2026-08-15T00:00"),  # end of Friday
        ("2026-08-14T10:00", 14 * HOUR + 1, "2026-08-18T00:00:01"),
        ("2026-08-14T10:00", 0, "2026-08-14T10:00"),
        # Started on joint leave (24 Dec): nothing counts until Monday 28 December.
        ("2026-12-24T09:00", 1, "2026-12-28T00:00:01"),
        ("2026-12-23T10:00", 14 * HOUR + 1, "2026-12-28T00:00:01"),
    ],
)
def test_add_working_seconds(start_at: str, seconds: int, expected: str) -> None:
    assert add_working_seconds(wib(start_at), seconds) == wib(expected)


def test_running_clock_due_date_is_fixed() -> None:
    clock = start(SlaClock(), wib("2026-08-03T09:00"))
    assert clock.running
    for now in ("2026-08-03T09:00", "2026-08-06T12:00", "2026-08-20T12:00"):
        assert due_at(clock, wib(now)) == wib("2026-08-10T09:00")


@pytest.mark.parametrize(
    ("paused_at", "resumed_at", "due"),
    [
        # Thursday 10:00 to Friday 10:00 uses one day; resumed Tuesday 08:00 after the
        # weekend and 17 August, four days remain: Tue 16h, Wed, Thu, Fri, Mon 8h.
        ("2026-08-14T10:00", "2026-08-18T08:00", "2026-08-24T08:00"),
        # Paused over working days too: resumed Wednesday, due skips 25 Aug (Prophet's Birthday).
        ("2026-08-14T10:00", "2026-08-19T10:00", "2026-08-26T10:00"),
        # No pause at all, for comparison: Thursday 10:00 + 5 working days.
        ("2026-08-13T10:00", "2026-08-13T10:00", "2026-08-21T10:00"),
    ],
)
def test_pause_and_resume_across_weekend_and_holiday(
    paused_at: str, resumed_at: str, due: str
) -> None:
    clock = start(SlaClock(), wib("2026-08-13T10:00"))
    clock = pause(clock, wib(paused_at))
    assert not clock.running
    clock = resume(clock, wib(resumed_at))
    assert due_at(clock, wib(resumed_at)) == wib(due)


def test_pause_banks_working_time_only() -> None:
    clock = pause(start(SlaClock(), wib("2026-08-14T10:00")), wib("2026-08-18T10:00"))
    assert clock == SlaClock(used_seconds=DAY, running_since=None)


def test_start_and_pause_are_idempotent() -> None:
    running = start(SlaClock(), wib("2026-08-13T10:00"))
    assert start(running, wib("2026-08-14T10:00")) == running
    paused = pause(running, wib("2026-08-14T10:00"))
    assert pause(paused, wib("2026-08-20T10:00")) == paused


def test_used_seconds_counts_the_current_run() -> None:
    clock = SlaClock(used_seconds=DAY, running_since=wib("2026-08-18T00:00"))
    assert used_seconds(clock, wib("2026-08-18T06:00")) == DAY + 6 * HOUR


def test_paused_clock_projects_its_due_date_from_now() -> None:
    clock = SlaClock(used_seconds=4 * DAY)
    assert due_at(clock, wib("2026-08-13T10:00")) == wib("2026-08-14T10:00")
    assert due_at(clock, wib("2026-08-14T10:00")) == wib("2026-08-18T10:00")


def test_budget_is_configurable() -> None:
    clock = start(SlaClock(), wib("2026-08-03T09:00"))
    assert due_at(clock, wib("2026-08-03T09:00"), budget_working_days=3) == wib("2026-08-06T09:00")


def test_clock_used_up_before_the_run_is_due_at_its_start() -> None:
    clock = SlaClock(used_seconds=6 * DAY, running_since=wib("2026-08-18T09:00"))
    due = due_at(clock, wib("2026-08-18T10:00"))
    assert due == wib("2026-08-18T09:00")
    assert sla_state(due, wib("2026-08-18T10:00")) is SlaState.breached


@pytest.mark.parametrize(
    ("status", "running_after"),
    [
        ("under_review", True),
        ("interview_scheduled", True),
        ("awaiting_approval", True),
        ("approved", True),
        ("documents_pending", False),
        ("revision_requested", False),
        ("interview_missed", False),
        ("payout_failed", False),
        ("paid", False),
        ("rejected", False),
        ("cancelled", False),
        ("expired", False),
    ],
)
def test_clock_for_status(status: str, running_after: bool) -> None:
    now = wib("2026-08-19T10:00")
    for before in (SlaClock(), SlaClock(DAY, wib("2026-08-18T10:00"))):
        after = clock_for_status(before, status, now)
        assert after.running is running_after
        if before.running and not running_after:
            assert after.used_seconds == 2 * DAY
        if before.running and running_after:
            assert after == before


@pytest.mark.parametrize(
    ("due", "now", "state"),
    [
        ("2026-08-24T10:00", "2026-08-20T10:00", SlaState.on_track),
        ("2026-08-24T10:00", "2026-08-21T10:00", SlaState.on_track),  # exactly 1 day left
        ("2026-08-24T10:00", "2026-08-21T10:00:01", SlaState.at_risk),
        ("2026-08-24T10:00", "2026-08-22T12:00", SlaState.at_risk),  # Saturday: 10 h left
        ("2026-08-24T10:00", "2026-08-24T09:59:59", SlaState.at_risk),
        ("2026-08-24T10:00", "2026-08-24T10:00", SlaState.breached),
        ("2026-08-24T10:00", "2026-08-25T10:00", SlaState.breached),
        # Across Independence Day: Friday 11:00 to Tuesday 10:00 is 23 working hours.
        ("2026-08-18T10:00", "2026-08-14T10:00", SlaState.on_track),
        ("2026-08-18T10:00", "2026-08-14T11:00", SlaState.at_risk),
    ],
)
def test_sla_state_boundaries(due: str, now: str, state: SlaState) -> None:
    assert sla_state(wib(due), wib(now)) is state


def test_clock_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        SlaClock(used_seconds=-1)
    with pytest.raises(NaiveDatetime):
        SlaClock(running_since=datetime(2026, 8, 18, 9))
    with pytest.raises(NaiveDatetime):
        due_at(SlaClock(), datetime(2026, 8, 18, 9))


def test_clock_stores_utc() -> None:
    clock = start(SlaClock(), wib("2026-08-18T09:00"))
    assert clock.running_since == datetime(2026, 8, 18, 2, 0, tzinfo=UTC)
    assert clock.running_since is not None and clock.running_since.tzinfo is UTC


def test_running_statuses_agree_with_the_workflow_waiting_on_table() -> None:
    from workflow.states import ClaimStatus, sla_clock_runs

    assert {s for s in ClaimStatus if sla_clock_runs(s)} == SLA_RUNNING_STATUSES


@pytest.mark.parametrize(
    ("started", "due"),
    [
        # Tuesday 22 Dec 10:00: 22 (14h), 23, 28, 29, 30, 31 (10h); 24 Dec (joint leave)
        # and Christmas count nothing.
        ("2026-12-22T10:00", "2026-12-31T10:00"),
        # Friday 13 Mar: 13 (14h), 16, 17, then 18-24 March off (Nyepi, Eid al-Fitr and
        # joint leave), 25, 26, 27 (10h).
        ("2026-03-13T10:00", "2026-03-27T10:00"),
        # Tuesday 12 May: 12 (14h), 13, then Ascension and its joint leave Friday, 18, 19,
        # 20, 21 (10h).
        ("2026-05-12T10:00", "2026-05-21T10:00"),
    ],
)
def test_sla_due_date_skips_joint_leave(started: str, due: str) -> None:
    clock = start(SlaClock(), wib(started))
    assert due_at(clock, wib(started)) == wib(due)
