"""The claim state machine: every (status, trigger, role) against an expectation table written
out here, independently of workflow.machine.TRANSITIONS, plus each guard at its boundaries."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from workflow.diagram import mermaid_diagram
from workflow.errors import (
    FourEyesViolation,
    GuardFailed,
    RoleNotAllowed,
    TransitionNotAllowed,
    WorkflowError,
)
from workflow.machine import TransitionFacts, allowed_triggers, fire
from workflow.reason_codes import ReasonCode
from workflow.rules import rules_in_force
from workflow.states import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    WAITING_ON,
    Actor,
    ActorRole,
    ClaimReason,
    ClaimStatus,
    Trigger,
    sla_clock_runs,
)

S, T, R = ClaimStatus, Trigger, ActorRole
WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=WIB)
VERIFIER_ID, INTERVIEWER_ID, APPROVER_ID, FINANCE_ID, SUPERVISOR_ID = 11, 12, 13, 14, 15

ACTORS = {
    R.applicant: Actor(R.applicant),
    R.verifier: Actor(R.verifier, VERIFIER_ID),
    R.interviewer: Actor(R.interviewer, INTERVIEWER_ID),
    R.approver: Actor(R.approver, APPROVER_ID),
    R.finance: Actor(R.finance, FINANCE_ID),
    R.supervisor: Actor(R.supervisor, SUPERVISOR_ID),
    R.system: Actor(R.system),
}

# (status, trigger) -> (new status, roles that may fire it). Anything absent is a 409.
EXPECTED: dict[tuple[ClaimStatus, Trigger], tuple[ClaimStatus, set[ActorRole]]] = {
    (S.documents_pending, T.submit): (S.under_review, {R.applicant}),
    (S.documents_pending, T.cancel): (S.cancelled, {R.applicant}),
    (S.documents_pending, T.expire): (S.expired, {R.system}),
    (S.under_review, T.request_revision): (S.revision_requested, {R.verifier}),
    (S.under_review, T.accept_documents): (S.interview_scheduled, {R.verifier}),
    (S.under_review, T.reject): (S.rejected, {R.verifier}),
    (S.revision_requested, T.submit): (S.under_review, {R.applicant}),
    (S.revision_requested, T.cancel): (S.cancelled, {R.applicant}),
    (S.revision_requested, T.expire): (S.expired, {R.system}),
    (S.interview_scheduled, T.reschedule): (S.interview_scheduled, {R.applicant}),
    (S.interview_scheduled, T.record_no_show): (S.interview_missed, {R.interviewer, R.system}),
    (S.interview_scheduled, T.pass_interview): (S.awaiting_approval, {R.interviewer}),
    (S.interview_scheduled, T.fail_interview): (S.rejected, {R.interviewer}),
    (S.interview_scheduled, T.cancel): (S.cancelled, {R.applicant}),
    (S.interview_missed, T.reschedule): (S.interview_scheduled, {R.applicant}),
    (S.interview_missed, T.cancel): (S.cancelled, {R.applicant, R.system}),
    (S.awaiting_approval, T.approve): (S.approved, {R.approver}),
    (S.awaiting_approval, T.reject): (S.rejected, {R.approver}),
    (S.approved, T.confirm_payout): (S.paid, {R.system, R.finance}),
    (S.approved, T.fail_payout): (S.payout_failed, {R.system, R.finance}),
    (S.payout_failed, T.update_bank_account): (S.approved, {R.applicant}),
    # the registry reports the participant deceased: every status before approval, and a
    # failed payout, but never once the money is on its way (approved) or paid
    (S.documents_pending, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.under_review, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.revision_requested, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.interview_scheduled, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.interview_missed, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.awaiting_approval, T.withdraw_deceased): (S.cancelled, {R.system}),
    (S.payout_failed, T.withdraw_deceased): (S.cancelled, {R.system}),
}

# Facts under which every guard passes.
PASSING = TransitionFacts(
    missing_items=(),
    eligibility_code=None,
    rejected_items=("ktp",),
    all_required_accepted=True,
    slot_available=True,
    slot_starts_at=NOW - timedelta(hours=2),
    reschedules_used=0,
    misses=0,
    reviewer_ids=frozenset({VERIFIER_ID, INTERVIEWER_ID}),
    bank_account_valid=True,
    reason_code="document_unreadable",
    last_activity_at=NOW - timedelta(days=31),
    participant_deceased=True,
    claim_reason=ClaimReason.resignation,
)


def _passing_facts(status: ClaimStatus) -> TransitionFacts:
    return replace(PASSING, misses=1) if status is S.interview_missed else PASSING


@pytest.mark.parametrize(
    ("status", "trigger", "role"), list(itertools.product(ClaimStatus, Trigger, ActorRole))
)
def test_every_status_trigger_and_role(
    status: ClaimStatus, trigger: Trigger, role: ActorRole
) -> None:
    expected = EXPECTED.get((status, trigger))
    actor = ACTORS[role]
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            fire(status, trigger, actor, _passing_facts(status), NOW)
        assert refused.value.status_hint == 409
        assert refused.value.code == "transition_not_allowed"
        assert set(refused.value.allowed_triggers) == {t for (s, t) in EXPECTED if s is status}
    elif role not in expected[1]:
        with pytest.raises(RoleNotAllowed) as refused_role:
            fire(status, trigger, actor, _passing_facts(status), NOW)
        assert refused_role.value.status_hint == 403
        assert refused_role.value.code == "role_not_allowed"
    else:
        assert fire(status, trigger, actor, _passing_facts(status), NOW) is expected[0]


@pytest.mark.parametrize("status", list(ClaimStatus))
def test_allowed_triggers_per_role(status: ClaimStatus) -> None:
    for role in ActorRole:
        expected = {t for (s, t), (_, roles) in EXPECTED.items() if s is status and role in roles}
        assert set(allowed_triggers(status, role)) == expected
    assert set(allowed_triggers(status)) == {t for (s, t) in EXPECTED if s is status}


def test_supervisor_fires_nothing() -> None:
    assert all(allowed_triggers(status, R.supervisor) == [] for status in ClaimStatus)


def _refusal(
    status: ClaimStatus, trigger: Trigger, actor: Actor, facts: TransitionFacts, now: datetime = NOW
) -> WorkflowError | ClaimStatus:
    try:
        return fire(status, trigger, actor, facts, now)
    except WorkflowError as error:
        return error


@pytest.mark.parametrize(
    ("missing", "eligibility_code", "code"),
    [
        (("ktp", "bank_account"), None, "incomplete"),
        (("npwp_number",), "membership_still_active", "incomplete"),
        ((), "waiting_period_not_over", "not_eligible"),
    ],
)
def test_submit_guards(missing: tuple[str, ...], eligibility_code: str | None, code: str) -> None:
    facts = replace(PASSING, missing_items=missing, eligibility_code=eligibility_code)
    error = _refusal(S.documents_pending, T.submit, ACTORS[R.applicant], facts)
    assert isinstance(error, GuardFailed)
    assert (error.code, error.status_hint) == (code, 422)
    if code == "incomplete":
        assert error.data["missing"] == list(missing)
    else:
        assert error.data["eligibility_code"] == eligibility_code


@pytest.mark.parametrize(
    ("status", "used", "misses", "slot_free", "outcome"),
    [
        (S.interview_scheduled, 0, 0, True, S.interview_scheduled),
        (S.interview_scheduled, 1, 0, True, S.interview_scheduled),
        (S.interview_scheduled, 2, 0, True, "reschedule_limit"),
        (S.interview_missed, 0, 1, True, S.interview_scheduled),
        (S.interview_missed, 1, 1, True, S.interview_scheduled),
        (S.interview_missed, 2, 1, True, "reschedule_limit"),
        # the one rebooking after a miss was made: no further change
        (S.interview_scheduled, 1, 1, True, "reschedule_limit"),
        (S.interview_scheduled, 0, 1, True, "reschedule_limit"),
        (S.interview_scheduled, 0, 0, False, "slot_not_available"),
        (S.interview_missed, 0, 1, False, "slot_not_available"),
    ],
)
def test_reschedule_limits(
    status: ClaimStatus, used: int, misses: int, slot_free: bool, outcome: object
) -> None:
    facts = replace(PASSING, reschedules_used=used, misses=misses, slot_available=slot_free)
    result = _refusal(status, T.reschedule, ACTORS[R.applicant], facts)
    if isinstance(outcome, ClaimStatus):
        assert result is outcome
    else:
        assert isinstance(result, GuardFailed) and result.code == outcome


SLOT = NOW.replace(hour=9)


@pytest.mark.parametrize(
    ("trigger", "role", "slot_starts_at", "now", "outcome"),
    [
        (T.pass_interview, R.interviewer, SLOT, SLOT - timedelta(seconds=1), "slot_not_started"),
        (T.pass_interview, R.interviewer, SLOT, SLOT, S.awaiting_approval),
        (T.pass_interview, R.interviewer, None, SLOT, "slot_not_started"),
        (T.fail_interview, R.interviewer, SLOT, SLOT - timedelta(minutes=5), "slot_not_started"),
        (T.fail_interview, R.interviewer, SLOT, SLOT + timedelta(minutes=5), S.rejected),
        (T.record_no_show, R.interviewer, SLOT, SLOT - timedelta(seconds=1), "slot_not_started"),
        (T.record_no_show, R.interviewer, SLOT, SLOT, S.interview_missed),
        # the scheduler waits 30 minutes after the 30-minute slot ends
        (
            T.record_no_show,
            R.system,
            SLOT,
            SLOT + timedelta(minutes=59, seconds=59),
            "no_show_grace_not_over",
        ),
        (T.record_no_show, R.system, SLOT, SLOT + timedelta(minutes=60), S.interview_missed),
        (T.record_no_show, R.system, None, SLOT, "slot_not_started"),
    ],
)
def test_interview_outcomes_wait_for_the_slot(
    trigger: Trigger,
    role: ActorRole,
    slot_starts_at: datetime | None,
    now: datetime,
    outcome: object,
) -> None:
    facts = replace(PASSING, slot_starts_at=slot_starts_at)
    result = _refusal(S.interview_scheduled, trigger, ACTORS[role], facts, now)
    if isinstance(outcome, ClaimStatus):
        assert result is outcome
    else:
        assert isinstance(result, GuardFailed) and result.code == outcome


def test_system_no_show_uses_the_booked_slot_end() -> None:
    facts = replace(PASSING, slot_starts_at=SLOT, slot_ends_at=SLOT + timedelta(minutes=45))
    early = _refusal(
        S.interview_scheduled,
        T.record_no_show,
        ACTORS[R.system],
        facts,
        SLOT + timedelta(minutes=74),
    )
    assert isinstance(early, GuardFailed) and early.code == "no_show_grace_not_over"
    on_time = _refusal(
        S.interview_scheduled,
        T.record_no_show,
        ACTORS[R.system],
        facts,
        SLOT + timedelta(minutes=75),
    )
    assert on_time is S.interview_missed


@pytest.mark.parametrize(
    ("reviewer_ids", "approver_id", "outcome"),
    [
        ({11, 12}, 13, S.approved),
        ({11, 12}, 11, "four_eyes"),  # the verifier
        ({11, 12}, 12, "four_eyes"),  # the interviewer
        ({13}, 13, "four_eyes"),  # verified and interviewed
        # a verifier who sent the documents back, before another one accepted them
        ({11, 21, 12}, 21, "four_eyes"),
        ({11, 21, 12}, 22, S.approved),
        # an interviewer who recorded a no-show, before another one held the interview
        ({11, 31, 12}, 31, "four_eyes"),
        (set(), 13, S.approved),  # nobody acted in a four-eyes role (not reachable today)
    ],
)
def test_four_eyes(reviewer_ids: set[int], approver_id: int, outcome: object) -> None:
    facts = replace(PASSING, reviewer_ids=frozenset(reviewer_ids))
    result = _refusal(S.awaiting_approval, T.approve, Actor(R.approver, approver_id), facts)
    if isinstance(outcome, ClaimStatus):
        assert result is outcome
    else:
        assert isinstance(result, FourEyesViolation)
        assert (result.code, result.status_hint) == (outcome, 403)


@pytest.mark.parametrize(
    ("status", "trigger", "role", "reason_code", "note", "outcome"),
    [
        (S.under_review, T.reject, R.verifier, None, None, "reason_code_required"),
        (S.under_review, T.reject, R.verifier, "bogus", None, "unknown_reason_code"),
        (S.under_review, T.reject, R.verifier, "other", None, "note_required"),
        (S.under_review, T.reject, R.verifier, "other", "  ", "note_required"),
        (S.under_review, T.reject, R.verifier, "other", "duplicate claim", S.rejected),
        (S.awaiting_approval, T.reject, R.approver, None, None, "reason_code_required"),
        (S.awaiting_approval, T.reject, R.approver, "suspected_fraud", None, S.rejected),
        (
            S.interview_scheduled,
            T.fail_interview,
            R.interviewer,
            None,
            None,
            "reason_code_required",
        ),
        (
            S.interview_scheduled,
            T.fail_interview,
            R.interviewer,
            "identity_not_confirmed_in_interview",
            None,
            S.rejected,
        ),
    ],
)
def test_reason_code_guard(
    status: ClaimStatus,
    trigger: Trigger,
    role: ActorRole,
    reason_code: str | None,
    note: str | None,
    outcome: object,
) -> None:
    facts = replace(PASSING, reason_code=reason_code, note=note)
    result = _refusal(status, trigger, ACTORS[role], facts)
    if isinstance(outcome, ClaimStatus):
        assert result is outcome
    else:
        assert isinstance(result, GuardFailed) and result.code == outcome


@pytest.mark.parametrize(
    ("status", "trigger", "role", "change", "code"),
    [
        (
            S.under_review,
            T.request_revision,
            R.verifier,
            {"rejected_items": ()},
            "revision_items_required",
        ),
        (
            S.under_review,
            T.accept_documents,
            R.verifier,
            {"all_required_accepted": False},
            "documents_not_accepted",
        ),
        (
            S.under_review,
            T.accept_documents,
            R.verifier,
            {"slot_available": False},
            "slot_not_available",
        ),
        (
            S.payout_failed,
            T.update_bank_account,
            R.applicant,
            {"bank_account_valid": False},
            "bank_account_invalid",
        ),
        (
            S.documents_pending,
            T.expire,
            R.system,
            {"last_activity_at": NOW - timedelta(days=30) + timedelta(seconds=1)},
            "draft_still_active",
        ),
        (
            S.revision_requested,
            T.expire,
            R.system,
            {"last_activity_at": None},
            "draft_still_active",
        ),
        (
            S.awaiting_approval,
            T.withdraw_deceased,
            R.system,
            {"participant_deceased": False},
            "participant_not_deceased",
        ),
        (
            S.payout_failed,
            T.withdraw_deceased,
            R.system,
            {"claim_reason": ClaimReason.death},
            "death_claim",
        ),
    ],
)
def test_other_guards(
    status: ClaimStatus, trigger: Trigger, role: ActorRole, change: dict[str, object], code: str
) -> None:
    result = _refusal(status, trigger, ACTORS[role], replace(PASSING, **change))  # type: ignore[arg-type]
    assert isinstance(result, GuardFailed)
    assert (result.code, result.status_hint) == (code, 422)
    assert result.message_id and result.message_en


@pytest.mark.parametrize("reason", [r for r in ClaimReason if r is not ClaimReason.death])
def test_the_participant_s_death_withdraws_every_claim_of_their_own(reason: ClaimReason) -> None:
    facts = replace(PASSING, claim_reason=reason)
    assert fire(S.under_review, T.withdraw_deceased, ACTORS[R.system], facts, NOW) is S.cancelled


def test_draft_expires_exactly_after_the_configured_days() -> None:
    days = rules_in_force(NOW.date()).draft_expiry_days
    facts = replace(PASSING, last_activity_at=NOW - timedelta(days=days))
    assert fire(S.documents_pending, T.expire, ACTORS[R.system], facts, NOW) is S.expired


def test_full_lifecycle_with_a_miss_and_a_failed_payout() -> None:
    steps = [
        (S.documents_pending, T.submit, R.applicant, {}),
        (S.under_review, T.request_revision, R.verifier, {}),
        (S.revision_requested, T.submit, R.applicant, {}),
        (S.under_review, T.accept_documents, R.verifier, {}),
        (S.interview_scheduled, T.record_no_show, R.system, {}),
        (S.interview_missed, T.reschedule, R.applicant, {"misses": 1}),
        (S.interview_scheduled, T.pass_interview, R.interviewer, {"misses": 1}),
        (S.awaiting_approval, T.approve, R.approver, {}),
        (S.approved, T.fail_payout, R.system, {}),
        (S.payout_failed, T.update_bank_account, R.applicant, {}),
        (S.approved, T.confirm_payout, R.finance, {}),
    ]
    status = S.documents_pending
    for expected_from, trigger, role, change in steps:
        assert status is expected_from
        status = fire(status, trigger, ACTORS[role], replace(PASSING, **change), NOW)  # type: ignore[arg-type]
    assert status is S.paid


def test_fire_is_safe_from_many_threads() -> None:
    cases = [(s, t, sorted(roles)[0], dest) for (s, t), (dest, roles) in EXPECTED.items()] * 50

    def run(case: tuple[ClaimStatus, Trigger, ActorRole, ClaimStatus]) -> bool:
        status, trigger, role, dest = case
        return fire(status, trigger, ACTORS[role], _passing_facts(status), NOW) is dest

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(run, cases))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        fire(S.documents_pending, T.submit, ACTORS[R.applicant], PASSING, NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("role", "officer_id", "valid"),
    [
        (R.applicant, None, True),
        (R.system, None, True),
        (R.verifier, 1, True),
        (R.verifier, None, False),
        (R.supervisor, None, False),
        (R.applicant, 5, False),
    ],
)
def test_actor_needs_officer_id_exactly_for_officers(
    role: ActorRole, officer_id: int | None, valid: bool
) -> None:
    if valid:
        assert Actor(role, officer_id).role is role
    else:
        with pytest.raises(ValueError):
            Actor(role, officer_id)


@pytest.mark.parametrize(
    ("status", "waiting_on", "clock_runs"),
    [
        (S.documents_pending, "applicant", False),
        (S.under_review, "officer", True),
        (S.revision_requested, "applicant", False),
        (S.interview_scheduled, "officer", True),
        (S.interview_missed, "applicant", False),
        (S.awaiting_approval, "officer", True),
        (S.approved, "system", True),
        (S.payout_failed, "applicant", False),
        (S.paid, None, False),
        (S.rejected, None, False),
        (S.cancelled, None, False),
        (S.expired, None, False),
    ],
)
def test_waiting_party_and_sla_clock(
    status: ClaimStatus, waiting_on: str | None, clock_runs: bool
) -> None:
    assert WAITING_ON[status] == waiting_on
    assert sla_clock_runs(status) is clock_runs
    assert (status in FINAL_STATUSES) is (waiting_on is None)
    assert (status in OPEN_STATUSES) is (waiting_on is not None)


def test_mermaid_diagram_contains_every_transition() -> None:
    diagram = mermaid_diagram()
    lines = [line.strip() for line in diagram.splitlines()]
    assert lines[0] == "stateDiagram-v2"
    assert "[*] --> documents_pending : create" in lines
    edges = [line for line in lines if "-->" in line and "[*]" not in line]
    assert len(edges) == len(EXPECTED)  # one edge per (source, trigger), all roles on it
    for (source, trigger), (dest, roles) in EXPECTED.items():
        prefix = f"{source} --> {dest} : {trigger} ("
        matching = [line for line in edges if line.startswith(prefix)]
        assert len(matching) == 1, prefix
        assert {role.strip() for role in matching[0][len(prefix) : -1].split(",")} == roles
    for status in FINAL_STATUSES:
        assert f"{status} --> [*]" in lines


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_code_is_explained_and_accepted(code: ReasonCode) -> None:
    assert code.explanation_id and code.explanation_en
    facts = replace(
        PASSING, reason_code=code.value, note="see the file" if code.needs_note else None
    )
    assert fire(S.under_review, T.reject, ACTORS[R.verifier], facts, NOW) is S.rejected


def test_there_are_thirteen_reason_codes() -> None:
    assert len(ReasonCode) == 13
