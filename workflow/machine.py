"""The claim state machine: the transition table of workflow.md as data, fed once to a shared
`transitions.Machine`, and `fire()`, the only way a claim's status changes.

Order of checks in fire(): the trigger must leave the current status (409), the actor's role
must be one the table allows for it (403), then the row's guards run inside the machine and
raise GuardFailed (422) or FourEyesViolation (403) themselves, naming what failed.

Supervisors fire no trigger: they read everything and reassign work, and giving them claim
actions would be a way around four-eyes. Admins are not actors of the machine at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from transitions import Machine, MachineError

from workflow.errors import FourEyesViolation, GuardFailed, RoleNotAllowed, TransitionNotAllowed
from workflow.reason_codes import parse_reason_code
from workflow.rules import RuleSet, rules_in_force
from workflow.states import (
    INITIAL_STATUS,
    WITHDRAWN_AT_DEATH_STATUSES,
    Actor,
    ActorRole,
    ClaimReason,
    ClaimStatus,
    Trigger,
)

S = ClaimStatus
T = Trigger
R = ActorRole


@dataclass(frozen=True)
class TransitionFacts:
    """Everything a guard needs, gathered from the database by the service layer.

    Defaults mean "not applicable"; a trigger's guards read only the fields they need."""

    # submit: document types plus 'bank_account' / 'npwp_number' still missing (checklist.py)
    missing_items: tuple[str, ...] = ()
    # submit: None while the claim is still eligible, else the eligibility code
    eligibility_code: str | None = None
    # request_revision: the items sent back, each with a reason code
    rejected_items: tuple[str, ...] = ()
    # accept_documents: every required document has been accepted
    all_required_accepted: bool = False
    # accept_documents / reschedule: a free slot was found (booked) or the one chosen is free
    slot_available: bool = True
    # record_no_show / pass_interview / fail_interview: the booked slot
    slot_starts_at: datetime | None = None
    slot_ends_at: datetime | None = None
    # reschedule: rebookings made so far on this claim, and interviews missed
    reschedules_used: int = 0
    misses: int = 0
    # approve: every officer who ever acted on the claim as verifier or interviewer (any event
    # of its history: a send-back, an acceptance, an interview outcome), not only the last ones
    reviewer_ids: frozenset[int] = frozenset()
    # update_bank_account: the new account is valid and in the claimant's own name
    bank_account_valid: bool = False
    # reject / fail_interview: a ReasonCode value, and the note `other` needs
    reason_code: str | None = None
    note: str | None = None
    # expire: the last applicant activity (upload, bank account or NPWP change, submit)
    last_activity_at: datetime | None = None
    # withdraw_deceased: the registry reports the claim's participant deceased, and the
    # claim's own reason (a death claim is the heirs' and stays)
    participant_deceased: bool = False
    claim_reason: ClaimReason | None = None


# The roles whose acts on a claim bar the officer from approving it (four-eyes, workflow.md):
# whoever reviewed its documents or interviewed its claimant, at any point of its history.
FOUR_EYES_ROLES: tuple[ActorRole, ...] = (R.verifier, R.interviewer)


@dataclass(frozen=True)
class GuardContext:
    """What a guard sees: the status being left, who fires, the facts, the time, the rules."""

    status: ClaimStatus
    trigger: Trigger
    actor: Actor
    facts: TransitionFacts
    now: datetime
    rules: RuleSet


@dataclass(frozen=True)
class TransitionRow:
    trigger: Trigger
    sources: tuple[ClaimStatus, ...]
    dest: ClaimStatus
    roles: tuple[ActorRole, ...]
    guards: tuple[str, ...] = ()


# The transition table of workflow.md. A trigger whose roles differ by source, or whose guards
# differ by role, has one row per case; the machine picks the row by the actor's role.
TRANSITIONS: tuple[TransitionRow, ...] = (
    TransitionRow(
        T.submit,
        (S.documents_pending, S.revision_requested),
        S.under_review,
        (R.applicant,),
        ("checklist_complete", "still_eligible"),
    ),
    TransitionRow(
        T.request_revision,
        (S.under_review,),
        S.revision_requested,
        (R.verifier,),
        ("items_sent_back",),
    ),
    TransitionRow(
        T.accept_documents,
        (S.under_review,),
        S.interview_scheduled,
        (R.verifier,),
        ("required_documents_accepted", "slot_available"),
    ),
    TransitionRow(
        T.reschedule,
        (S.interview_scheduled, S.interview_missed),
        S.interview_scheduled,
        (R.applicant,),
        ("reschedule_allowed", "slot_available"),
    ),
    TransitionRow(
        T.record_no_show,
        (S.interview_scheduled,),
        S.interview_missed,
        (R.interviewer,),
        ("slot_started",),
    ),
    TransitionRow(
        T.record_no_show,
        (S.interview_scheduled,),
        S.interview_missed,
        (R.system,),
        ("no_show_grace_over",),
    ),
    TransitionRow(
        T.pass_interview,
        (S.interview_scheduled,),
        S.awaiting_approval,
        (R.interviewer,),
        ("slot_started",),
    ),
    TransitionRow(
        T.fail_interview,
        (S.interview_scheduled,),
        S.rejected,
        (R.interviewer,),
        ("slot_started", "reason_code_given"),
    ),
    TransitionRow(
        T.approve, (S.awaiting_approval,), S.approved, (R.approver,), ("approver_independent",)
    ),
    TransitionRow(T.reject, (S.under_review,), S.rejected, (R.verifier,), ("reason_code_given",)),
    TransitionRow(
        T.reject, (S.awaiting_approval,), S.rejected, (R.approver,), ("reason_code_given",)
    ),
    TransitionRow(T.confirm_payout, (S.approved,), S.paid, (R.system, R.finance)),
    TransitionRow(T.fail_payout, (S.approved,), S.payout_failed, (R.system, R.finance)),
    TransitionRow(
        T.update_bank_account,
        (S.payout_failed,),
        S.approved,
        (R.applicant,),
        ("new_bank_account_valid",),
    ),
    TransitionRow(
        T.cancel,
        (S.documents_pending, S.revision_requested, S.interview_scheduled, S.interview_missed),
        S.cancelled,
        (R.applicant,),
    ),
    # The system cancels at a second miss, or when a miss is not rebooked within the configured
    # working days; the scheduler decides which, the machine only allows it after a miss.
    TransitionRow(T.cancel, (S.interview_missed,), S.cancelled, (R.system,)),
    TransitionRow(
        T.expire,
        (S.documents_pending, S.revision_requested),
        S.expired,
        (R.system,),
        ("draft_inactive_long_enough",),
    ),
    # The registry reports the participant deceased: their own claim closes before anything is
    # paid into the account of someone who has died; the heirs then make a death claim.
    TransitionRow(
        T.withdraw_deceased,
        WITHDRAWN_AT_DEATH_STATUSES,
        S.cancelled,
        (R.system,),
        ("registry_reports_death", "not_a_death_claim"),
    ),
)


# --- guards: each returns None or raises with the code that names it -----------------------


def checklist_complete(ctx: GuardContext) -> None:
    if ctx.facts.missing_items:
        missing = list(ctx.facts.missing_items)
        raise GuardFailed(
            "incomplete",
            "The claim is not complete yet: " + ", ".join(missing) + ".",
            "Klaim belum lengkap: " + ", ".join(missing) + ".",
            missing=missing,
        )


def still_eligible(ctx: GuardContext) -> None:
    if ctx.facts.eligibility_code is not None:
        raise GuardFailed(
            "not_eligible",
            "The participant is no longer eligible for this claim.",
            "Peserta tidak lagi memenuhi syarat untuk klaim ini.",
            eligibility_code=ctx.facts.eligibility_code,
        )


def items_sent_back(ctx: GuardContext) -> None:
    if not ctx.facts.rejected_items:
        raise GuardFailed(
            "revision_items_required",
            "Send back at least one item with a reason code.",
            "Kembalikan minimal satu dokumen atau data beserta kode alasannya.",
        )


def required_documents_accepted(ctx: GuardContext) -> None:
    if not ctx.facts.all_required_accepted:
        raise GuardFailed(
            "documents_not_accepted",
            "Every required document must be accepted first.",
            "Semua dokumen wajib harus diterima terlebih dahulu.",
        )


def slot_available(ctx: GuardContext) -> None:
    if not ctx.facts.slot_available:
        raise GuardFailed(
            "slot_not_available",
            "No free interview slot is available; please choose another.",
            "Tidak ada jadwal wawancara yang tersedia; silakan pilih jadwal lain.",
        )


def reschedule_allowed(ctx: GuardContext) -> None:
    # At most `max_reschedules` rebookings in total. After a miss, exactly one more rebooking:
    # it is made from interview_missed, and once back in interview_scheduled no further change.
    facts, limit = ctx.facts, ctx.rules.max_reschedules
    after_miss = ctx.status is S.interview_scheduled and facts.misses >= 1
    if facts.reschedules_used >= limit or after_miss:
        raise GuardFailed(
            "reschedule_limit",
            "The interview cannot be rescheduled again.",
            "Jadwal wawancara tidak dapat diubah lagi.",
            reschedules_used=facts.reschedules_used,
            max_reschedules=limit,
            misses=facts.misses,
        )


def slot_started(ctx: GuardContext) -> None:
    starts_at = ctx.facts.slot_starts_at
    if starts_at is None or ctx.now < starts_at:
        raise GuardFailed(
            "slot_not_started",
            "The interview slot has not started yet.",
            "Jadwal wawancara belum dimulai.",
            slot_starts_at=starts_at.isoformat() if starts_at else None,
        )


def no_show_grace_over(ctx: GuardContext) -> None:
    starts_at = ctx.facts.slot_starts_at
    if starts_at is None:
        slot_started(ctx)  # raises slot_not_started
        return
    ends_at = ctx.facts.slot_ends_at or starts_at + timedelta(
        minutes=ctx.rules.interview_slot_minutes
    )
    due_at = ends_at + timedelta(minutes=ctx.rules.no_show_grace_minutes)
    if ctx.now < due_at:
        raise GuardFailed(
            "no_show_grace_not_over",
            "A no-show is recorded automatically only after the grace period.",
            "Ketidakhadiran dicatat otomatis hanya setelah masa tenggang berakhir.",
            due_at=due_at.isoformat(),
        )


def reason_code_given(ctx: GuardContext) -> None:
    value = ctx.facts.reason_code
    if value is None:
        raise GuardFailed(
            "reason_code_required", "A reason code is required.", "Kode alasan wajib diisi."
        )
    code = parse_reason_code(value)
    if code is None:
        raise GuardFailed(
            "unknown_reason_code",
            f"'{value}' is not a known reason code.",
            f"'{value}' bukan kode alasan yang dikenal.",
            reason_code=value,
        )
    if code.needs_note and not (ctx.facts.note and ctx.facts.note.strip()):
        raise GuardFailed(
            "note_required",
            "The reason 'other' needs a note for the applicant.",
            "Alasan 'other' memerlukan catatan untuk pemohon.",
        )


def approver_independent(ctx: GuardContext) -> None:
    officer_id = ctx.actor.officer_id
    assert officer_id is not None  # Actor guarantees an approver has an officer id
    if officer_id in ctx.facts.reviewer_ids:
        raise FourEyesViolation(officer_id)


def new_bank_account_valid(ctx: GuardContext) -> None:
    if not ctx.facts.bank_account_valid:
        raise GuardFailed(
            "bank_account_invalid",
            "The new bank account must be valid and in the claimant's own name.",
            "Rekening baru harus valid dan atas nama pemohon sendiri.",
        )


def draft_inactive_long_enough(ctx: GuardContext) -> None:
    last = ctx.facts.last_activity_at
    days = ctx.rules.draft_expiry_days
    if last is None or ctx.now < last + timedelta(days=days):
        raise GuardFailed(
            "draft_still_active",
            f"The draft has had activity within the last {days} days.",
            f"Draf masih memiliki aktivitas dalam {days} hari terakhir.",
        )


def registry_reports_death(ctx: GuardContext) -> None:
    if not ctx.facts.participant_deceased:
        raise GuardFailed(
            "participant_not_deceased",
            "The registry does not report the participant deceased.",
            "Registri tidak mencatat peserta telah meninggal dunia.",
        )


def not_a_death_claim(ctx: GuardContext) -> None:
    if ctx.facts.claim_reason is ClaimReason.death:
        raise GuardFailed(
            "death_claim",
            "A death claim is the heirs' claim: the participant's death does not withdraw it.",
            "Klaim meninggal dunia adalah klaim ahli waris: tidak ditarik karena peserta "
            "meninggal dunia.",
        )


Guard = Callable[[GuardContext], None]
GUARDS: dict[str, Guard] = {
    guard.__name__: guard
    for guard in (
        checklist_complete,
        still_eligible,
        items_sent_back,
        required_documents_accepted,
        slot_available,
        reschedule_allowed,
        slot_started,
        no_show_grace_over,
        reason_code_given,
        approver_independent,
        new_bank_account_valid,
        draft_inactive_long_enough,
        registry_reports_death,
        not_a_death_claim,
    )
}


# --- the machine ---------------------------------------------------------------------------


class _ClaimModel:
    """Throwaway model of one fire(): the machine keeps no per-claim state of its own."""

    def __init__(self, status: ClaimStatus) -> None:
        self.state: str = status.value


def _role_selects(row: TransitionRow) -> Callable[[Any], bool]:
    # Picks the row for the actor's role; returns False (not raise) so the next row is tried.
    roles = frozenset(row.roles)

    def role_selects(event: Any) -> bool:
        context: GuardContext = event.kwargs["context"]
        return context.actor.role in roles

    return role_selects


def _as_condition(guard: Guard) -> Callable[[Any], bool]:
    def condition(event: Any) -> bool:
        guard(event.kwargs["context"])
        return True

    condition.__name__ = guard.__name__
    return condition


def _build_machine() -> Any:
    return Machine(
        model=None,
        states=[status.value for status in ClaimStatus],
        initial=INITIAL_STATUS.value,
        transitions=[
            {
                "trigger": row.trigger.value,
                "source": [status.value for status in row.sources],
                "dest": row.dest.value,
                "conditions": [_role_selects(row)] + [_as_condition(GUARDS[g]) for g in row.guards],
            }
            for row in TRANSITIONS
        ],
        send_event=True,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )


# Built once. Thread-safe to share: after construction nothing mutates it; each fire() has its
# own model object and EventData, and the machine is not `queued` (no shared queue).
_MACHINE: Any = _build_machine()


def allowed_triggers(status: ClaimStatus, role: ActorRole | None = None) -> list[Trigger]:
    """Triggers that leave `status` (for `role`, when given), in Trigger order."""
    found = {
        row.trigger
        for row in TRANSITIONS
        if status in row.sources and (role is None or role in row.roles)
    }
    return [trigger for trigger in Trigger if trigger in found]


def allowed_roles(status: ClaimStatus, trigger: Trigger) -> list[ActorRole]:
    """Roles that may fire `trigger` from `status`, in ActorRole order."""
    found = {
        role
        for row in TRANSITIONS
        if row.trigger is trigger and status in row.sources
        for role in row.roles
    }
    return [role for role in ActorRole if role in found]


def fire(
    status: ClaimStatus,
    trigger: Trigger,
    actor: Actor,
    facts: TransitionFacts,
    now: datetime,
    rules: RuleSet | None = None,
) -> ClaimStatus:
    """The status after `actor` fires `trigger` on a claim in `status`, or a WorkflowError.

    `rules` defaults to the set in force on `now`'s date; pass the claim's own set if stored."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    status, trigger = ClaimStatus(status), Trigger(trigger)
    if not any(row.trigger is trigger and status in row.sources for row in TRANSITIONS):
        raise TransitionNotAllowed(status, trigger, allowed_triggers(status))
    roles = allowed_roles(status, trigger)
    if actor.role not in roles:
        raise RoleNotAllowed(actor.role, trigger, roles)
    context = GuardContext(
        status=status,
        trigger=trigger,
        actor=actor,
        facts=facts,
        now=now,
        rules=rules or rules_in_force(now.date()),
    )
    model = _ClaimModel(status)
    try:
        changed = _MACHINE.events[trigger.value].trigger(model, context=context)
    except MachineError as error:  # unreachable while the pre-check mirrors the table
        raise TransitionNotAllowed(status, trigger, allowed_triggers(status)) from error
    if not changed:  # every guard raises, so a plain False means the table and machine disagree
        raise GuardFailed(
            "guard_failed", "The transition was refused.", "Perubahan status ditolak."
        )
    return ClaimStatus(model.state)
