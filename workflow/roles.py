"""Officers' roles (workflow.md, Roles): four acting roles of a branch, and the supervisor, who
reads every branch, acts on none and is never combined with an acting role (a supervisor who
could also approve would approve in every branch)."""

from __future__ import annotations

from collections.abc import Set

SUPERVISOR = "supervisor"
ACTING_ROLES = ("verifier", "interviewer", "approver", "finance")
OFFICER_ROLES = (*ACTING_ROLES, SUPERVISOR)


def roles_conflict(roles: Set[str]) -> bool:
    """Whether `roles` combine the supervisor with an acting role."""
    return SUPERVISOR in roles and not roles.isdisjoint(ACTING_ROLES)
