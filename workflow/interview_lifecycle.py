"""The interview booking's lifecycle (workflow.md): booked, then an outcome, or replaced by a
rebooking, or cancelled with its claim. Every move starts from `booked`: an outcome is final,
and a booking that gave up its seat is never live again."""

from __future__ import annotations

from enum import StrEnum

from workflow.lifecycle import Lifecycle, Step


class InterviewStatus(StrEnum):
    booked = "booked"
    passed = "passed"
    failed = "failed"
    no_show = "no_show"
    replaced = "replaced"
    cancelled = "cancelled"


class InterviewTrigger(StrEnum):
    pass_interview = "pass_interview"
    fail_interview = "fail_interview"
    record_no_show = "record_no_show"
    rebook = "rebook"  # the applicant rebooked: the new booking replaces this one
    cancel = "cancel"  # the claim was cancelled


INTERVIEW_LIFECYCLE: Lifecycle[InterviewStatus, InterviewTrigger] = Lifecycle(
    "interview",
    InterviewStatus.booked,
    [
        Step(InterviewTrigger.pass_interview, (InterviewStatus.booked,), InterviewStatus.passed),
        Step(InterviewTrigger.fail_interview, (InterviewStatus.booked,), InterviewStatus.failed),
        Step(InterviewTrigger.record_no_show, (InterviewStatus.booked,), InterviewStatus.no_show),
        Step(InterviewTrigger.rebook, (InterviewStatus.booked,), InterviewStatus.replaced),
        Step(InterviewTrigger.cancel, (InterviewStatus.booked,), InterviewStatus.cancelled),
    ],
)

# The statuses that give the seat back, so that another booking may take it. A passed or
# failed interview keeps its seat: it was used.
SEAT_FREED = frozenset(
    {InterviewStatus.no_show, InterviewStatus.replaced, InterviewStatus.cancelled}
)
