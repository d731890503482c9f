"""The vocabulary of the claim workflow: statuses, triggers, actors and claim reasons, with the
facts about them (who a status waits on, which step of the public tracker it belongs to)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class ClaimStatus(StrEnum):
    documents_pending = "documents_pending"
    under_review = "under_review"
    revision_requested = "revision_requested"
    interview_scheduled = "interview_scheduled"
    interview_missed = "interview_missed"
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    payout_failed = "payout_failed"
    paid = "paid"
    rejected = "rejected"
    cancelled = "cancelled"
    expired = "expired"


class Trigger(StrEnum):
    submit = "submit"
    request_revision = "request_revision"
    accept_documents = "accept_documents"
    reschedule = "reschedule"
    record_no_show = "record_no_show"
    pass_interview = "pass_interview"
    fail_interview = "fail_interview"
    approve = "approve"
    reject = "reject"
    confirm_payout = "confirm_payout"
    fail_payout = "fail_payout"
    update_bank_account = "update_bank_account"
    cancel = "cancel"
    expire = "expire"
    withdraw_deceased = "withdraw_deceased"


# The first audit event of every claim: sequence 1, no from-status, to `INITIAL_STATUS`.
# It is not a machine trigger: a claim is born by creation, never by a transition.
CREATE_EVENT_TRIGGER = "create"
INITIAL_STATUS = ClaimStatus.documents_pending

FINAL_STATUSES: frozenset[ClaimStatus] = frozenset(
    {ClaimStatus.paid, ClaimStatus.rejected, ClaimStatus.cancelled, ClaimStatus.expired}
)
OPEN_STATUSES: frozenset[ClaimStatus] = frozenset(set(ClaimStatus) - FINAL_STATUSES)
# The claim waits for the applicant's documents: their data may still change, and a draft
# left quiet for too long expires.
EDITABLE_STATUSES = (ClaimStatus.documents_pending, ClaimStatus.revision_requested)
# A participant's own claim that the registry's report of their death withdraws: nothing has
# been paid yet (every status before approval), or the payment failed and waits on a new
# account of the participant's (workflow.md, withdraw_deceased).
WITHDRAWN_AT_DEATH_STATUSES = (
    ClaimStatus.documents_pending,
    ClaimStatus.under_review,
    ClaimStatus.revision_requested,
    ClaimStatus.interview_scheduled,
    ClaimStatus.interview_missed,
    ClaimStatus.awaiting_approval,
    ClaimStatus.payout_failed,
)

Party = Literal["applicant", "officer", "system"]

# Who must act next. The SLA clock runs while the claim waits on BPJS (officer or system)
# and pauses while it waits on the applicant; final statuses wait on nobody.
WAITING_ON: dict[ClaimStatus, Party | None] = {
    ClaimStatus.documents_pending: "applicant",
    ClaimStatus.under_review: "officer",
    ClaimStatus.revision_requested: "applicant",
    ClaimStatus.interview_scheduled: "officer",
    ClaimStatus.interview_missed: "applicant",
    ClaimStatus.awaiting_approval: "officer",
    ClaimStatus.approved: "system",
    ClaimStatus.payout_failed: "applicant",
    ClaimStatus.paid: None,
    ClaimStatus.rejected: None,
    ClaimStatus.cancelled: None,
    ClaimStatus.expired: None,
}


def sla_clock_runs(status: ClaimStatus) -> bool:
    """True while the claim waits on BPJS (an officer or the system)."""
    return WAITING_ON[status] in ("officer", "system")


# Step of the public tracker (1..5) for each open or paid status; rejected/cancelled/expired
# claims show their final state instead of a step.
TRACKER_STEP: dict[ClaimStatus, int | None] = {
    ClaimStatus.documents_pending: 1,
    ClaimStatus.revision_requested: 1,
    ClaimStatus.under_review: 2,
    ClaimStatus.interview_scheduled: 3,
    ClaimStatus.interview_missed: 3,
    ClaimStatus.awaiting_approval: 4,
    ClaimStatus.approved: 5,
    ClaimStatus.payout_failed: 5,
    ClaimStatus.paid: 5,
    ClaimStatus.rejected: None,
    ClaimStatus.cancelled: None,
    ClaimStatus.expired: None,
}


class ActorRole(StrEnum):
    applicant = "applicant"
    verifier = "verifier"
    interviewer = "interviewer"
    approver = "approver"
    finance = "finance"
    supervisor = "supervisor"
    system = "system"


OFFICER_ROLES: frozenset[ActorRole] = frozenset(
    {
        ActorRole.verifier,
        ActorRole.interviewer,
        ActorRole.approver,
        ActorRole.finance,
        ActorRole.supervisor,
    }
)


@dataclass(frozen=True)
class Actor:
    """Who fires a trigger: an officer acting in one role (with their id), the applicant holding
    the claim's token, or the system (scheduler, payout dispatcher)."""

    role: ActorRole
    officer_id: int | None = None

    def __post_init__(self) -> None:
        # Four-eyes compares officer ids, so an officer without one would slip through.
        if self.role in OFFICER_ROLES and self.officer_id is None:
            raise ValueError(f"an actor in role {self.role} needs an officer_id")
        if self.role not in OFFICER_ROLES and self.officer_id is not None:
            raise ValueError(f"an actor in role {self.role} has no officer_id")

    @property
    def audit_label(self) -> str:
        """How the audit trail names the actor: `verifier:12`, `applicant`, `system`."""
        return self.role.value if self.officer_id is None else f"{self.role}:{self.officer_id}"


class ClaimReason(StrEnum):
    retirement = "retirement"
    resignation = "resignation"
    termination = "termination"
    contract_end = "contract_end"
    leaving_indonesia = "leaving_indonesia"
    disability = "disability"
    death = "death"
    partial_housing = "partial_housing"
    partial_other = "partial_other"

    @property
    def label_id(self) -> str:
        return _REASON_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _REASON_LABELS[self][1]

    @property
    def is_partial(self) -> bool:
        return self in (ClaimReason.partial_housing, ClaimReason.partial_other)


_REASON_LABELS: dict[ClaimReason, tuple[str, str]] = {
    ClaimReason.retirement: ("usia pensiun", "retirement"),
    ClaimReason.resignation: ("mengundurkan diri", "resignation"),
    ClaimReason.termination: ("pemutusan hubungan kerja (PHK)", "termination of employment"),
    ClaimReason.contract_end: ("habis kontrak (PKWT)", "end of a fixed-term contract"),
    ClaimReason.leaving_indonesia: (
        "meninggalkan Indonesia selamanya",
        "leaving Indonesia for good",
    ),
    ClaimReason.disability: ("cacat total tetap", "permanent total disability"),
    ClaimReason.death: ("meninggal dunia", "death of the participant"),
    ClaimReason.partial_housing: (
        "sebagian 30% untuk perumahan",
        "partial withdrawal of 30% for housing",
    ),
    ClaimReason.partial_other: (
        "sebagian 10% persiapan pensiun",
        "partial withdrawal of 10% to prepare for retirement",
    ),
}
