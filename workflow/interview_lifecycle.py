"""The interview booking's lifecycle (workflow.md): booked, then an outcome, or replaced by a
rebooking, or cancelled with its claim."""

from __future__ import annotations

from enum import StrEnum


class InterviewStatus(StrEnum):
    booked = "booked"
    passed = "passed"
    failed = "failed"
    no_show = "no_show"
    replaced = "replaced"
    cancelled = "cancelled"
