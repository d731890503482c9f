"""The interview's transition table: every (status, trigger) against an expectation written
out here, independently of workflow.interview_lifecycle's steps."""

from __future__ import annotations

import itertools

import pytest

from tests.lifecycles import assert_step
from workflow.interview_lifecycle import (
    INTERVIEW_LIFECYCLE,
    SEAT_FREED,
    InterviewStatus,
    InterviewTrigger,
)

S, T = InterviewStatus, InterviewTrigger

# (status, trigger) -> the status it leads to; every pair not listed is refused.
EXPECTED = {
    (S.booked, T.pass_interview): S.passed,
    (S.booked, T.fail_interview): S.failed,
    (S.booked, T.record_no_show): S.no_show,
    (S.booked, T.rebook): S.replaced,
    (S.booked, T.cancel): S.cancelled,
}


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(InterviewStatus, InterviewTrigger))
)
def test_every_status_and_trigger(status: InterviewStatus, trigger: InterviewTrigger) -> None:
    assert_step(INTERVIEW_LIFECYCLE, EXPECTED, status, trigger)


def test_an_interview_starts_booked_and_every_other_status_is_final() -> None:
    assert INTERVIEW_LIFECYCLE.initial is S.booked
    assert [s for s in InterviewStatus if INTERVIEW_LIFECYCLE.triggers_from(s)] == [S.booked]


@pytest.mark.parametrize(
    ("status", "frees_the_seat"),
    [
        (S.booked, False),
        (S.passed, False),  # the seat was used: it stays taken
        (S.failed, False),
        (S.no_show, True),
        (S.replaced, True),
        (S.cancelled, True),
    ],
)
def test_which_statuses_give_the_seat_back(status: InterviewStatus, frees_the_seat: bool) -> None:
    assert (status in SEAT_FREED) is frees_the_seat
