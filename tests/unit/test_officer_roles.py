"""Roles (workflow.md): a supervisor reads every branch and never acts, so it is never combined
with an acting role; an officer whose data combines them anyway passes no branch check by
being a supervisor."""

from __future__ import annotations

import pytest

from claims.http.auth import officer_can_act, officer_can_see
from claims.repositories.credentials import OfficerIdentity
from workflow.roles import ACTING_ROLES, SUPERVISOR, roles_conflict


@pytest.mark.parametrize(
    ("roles", "conflict"),
    [
        ({"supervisor"}, False),
        ({"verifier"}, False),
        ({"verifier", "approver", "interviewer", "finance"}, False),
        ({"supervisor", "approver"}, True),
        ({"supervisor", "verifier", "finance"}, True),
        *[({"supervisor", role}, True) for role in ("verifier", "interviewer", "finance")],
    ],
)
def test_a_supervisor_never_holds_an_acting_role(roles: set[str], conflict: bool) -> None:
    assert roles_conflict(frozenset(roles)) is conflict


def test_the_acting_roles_are_the_four_of_a_branch() -> None:
    assert set(ACTING_ROLES) == {"verifier", "interviewer", "approver", "finance"}
    assert SUPERVISOR not in ACTING_ROLES


def identity(branch: str | None, *roles: str) -> OfficerIdentity:
    return OfficerIdentity(1, "X", branch, frozenset(roles))


def test_only_a_pure_supervisor_sees_every_branch() -> None:
    assert officer_can_see(identity(None, "supervisor"), "JKT-SLB")
    assert officer_can_see(identity("JKT-SLB", "verifier"), "JKT-SLB")
    assert not officer_can_see(identity("JKT-SLB", "verifier"), "BDG-KTR")
    # Bad data: the supervisor role does not carry an approver into another branch.
    assert not officer_can_see(identity("JKT-SLB", "supervisor", "approver"), "BDG-KTR")
    assert not officer_can_see(identity(None, "supervisor", "approver"), "BDG-KTR")


def test_acting_on_a_claim_needs_the_claims_own_branch() -> None:
    assert officer_can_act(identity("JKT-SLB", "finance"), "JKT-SLB")
    assert not officer_can_act(identity("JKT-SLB", "finance"), "BDG-KTR")
    assert not officer_can_act(identity(None, "supervisor"), "JKT-SLB")
