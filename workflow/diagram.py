"""The claim state machine and the other lifecycles drawn as Mermaid `stateDiagram-v2`s,
generated from their tables so the pictures in the docs can never drift from the code."""

from __future__ import annotations

from typing import Any

from workflow.document_lifecycle import DOCUMENT_LIFECYCLE
from workflow.interview_lifecycle import INTERVIEW_LIFECYCLE
from workflow.lifecycle import Lifecycle
from workflow.machine import TRANSITIONS
from workflow.payout_lifecycle import PAYOUT_LIFECYCLE
from workflow.states import CREATE_EVENT_TRIGGER, FINAL_STATUSES, INITIAL_STATUS, ClaimStatus


def mermaid_diagram() -> str:
    """Every transition as `source --> dest : trigger (roles)`, plus creation and final states.

    Rows that share source, dest and trigger (e.g. cancel by the applicant or the system) are
    drawn as one edge listing all their roles."""
    edges: dict[tuple[ClaimStatus, ClaimStatus, str], list[str]] = {}
    for row in TRANSITIONS:
        for source in row.sources:
            roles = edges.setdefault((source, row.dest, row.trigger.value), [])
            roles.extend(role.value for role in row.roles if role.value not in roles)
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATUS.value} : {CREATE_EVENT_TRIGGER}"]
    for (source, dest, trigger), roles in edges.items():
        lines.append(f"    {source.value} --> {dest.value} : {trigger} ({', '.join(roles)})")
    for status in ClaimStatus:
        if status in FINAL_STATUSES:
            lines.append(f"    {status.value} --> [*]")
    return "\n".join(lines) + "\n"


def lifecycle_diagram(lifecycle: Lifecycle[Any, Any]) -> str:
    """A payout, interview or document lifecycle's table as a Mermaid `stateDiagram-v2`:
    one edge per trigger and source, the initial status marked, and the statuses no step
    leaves drawn as final."""
    lines = ["stateDiagram-v2", f"    [*] --> {lifecycle.initial.value}"]
    for step in lifecycle.steps:
        for source in step.sources:
            lines.append(f"    {source.value} --> {step.dest.value} : {step.trigger.value}")
    for status in type(lifecycle.initial):
        if not lifecycle.triggers_from(status):
            lines.append(f"    {status.value} --> [*]")
    return "\n".join(lines) + "\n"


LIFECYCLES: dict[str, Lifecycle[Any, Any]] = {
    "payout": PAYOUT_LIFECYCLE,
    "interview": INTERVIEW_LIFECYCLE,
    "document": DOCUMENT_LIFECYCLE,
}
