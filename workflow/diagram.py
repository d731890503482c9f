"""The claim state machine drawn as a Mermaid `stateDiagram-v2`, generated from the transition
table so the picture in the docs can never drift from the code."""

from __future__ import annotations

from workflow.machine import TRANSITIONS
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
