"""Request and response bodies of the claim API. Requests forbid unknown fields (a client
cannot set status, amounts or flags); responses are shaped per audience: the applicant sees
masked identifiers, officers see what they need to decide, tracking sees nothing personal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from claims.casework.claim_fields import HeirRelationship
from workflow.states import ClaimReason


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- requests -------------------------------------------------------------------------------


class HeirBody(StrictBody):
    nik: str = Field(max_length=32, examples=["3171015503900001"])
    full_name: str = Field(min_length=1, max_length=200, examples=["Sri Wahyuni"])
    birth_date: date = Field(examples=["1990-03-15"])
    relationship: HeirRelationship


class CreateClaimBody(StrictBody):
    kpj: str = Field(max_length=32, examples=["26000000005"])
    nik: str = Field(max_length=32, examples=["5105054303970005"])
    full_name: str = Field(min_length=1, max_length=200, examples=["Dewi Lestari"])
    birth_date: date = Field(examples=["1997-11-16"])
    reason: ClaimReason
    email: str = Field(
        max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", examples=["dewi@contoh.id"]
    )
    phone: str = Field(max_length=32, examples=["081234567890"])
    branch_code: str = Field(max_length=20, examples=["DPS-RNN"])
    employment_end_date: date | None = Field(
        default=None,
        description=(
            "For resignation, termination and contract_end, only when the registry has none "
            "(the claim is then flagged declared_end_date for the verifier); the registry's "
            "date decides, and a different date is refused (422, field employment_end_date)."
        ),
    )
    heir: HeirBody | None = Field(default=None, description="Required for a death claim only.")


class BankAccountBody(StrictBody):
    bank_code: str = Field(max_length=3, examples=["014"])
    account_number: str = Field(max_length=32, examples=["1234567890"])
    account_holder: str = Field(min_length=1, max_length=200, examples=["Dewi Lestari"])


class NpwpBody(StrictBody):
    npwp: str = Field(max_length=32, examples=["01.234.567.8-901.000"])


class RebookBody(StrictBody):
    starts_at: datetime = Field(description="One of the listed free slots, ISO 8601 with offset.")


class BranchInterviewBody(StrictBody):
    reason: str = Field(
        max_length=2000,
        description="Why the interview should be at the branch instead of by video (for "
        "instance no data for a video call); at most 300 characters once spaces are tidied.",
    )


class DecisionBody(StrictBody):
    doc_type: str = Field(max_length=40)
    decision: Literal["accepted", "rejected"]
    reason_code: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class DocumentReviewBody(StrictBody):
    decisions: list[DecisionBody] = Field(min_length=1, max_length=40)


class InterviewOutcomeBody(StrictBody):
    outcome: Literal["passed", "failed", "no_show"]
    reason_code: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class ApproveBody(StrictBody):
    note: str | None = Field(default=None, max_length=2000)


class RejectBody(StrictBody):
    reason_code: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=2000)


class ConfirmPayoutBody(StrictBody):
    bank_reference: str = Field(min_length=1, max_length=64)


class FailPayoutBody(StrictBody):
    reason_code: str = Field(min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=2000)


# --- responses ------------------------------------------------------------------------------


class ChecklistItem(BaseModel):
    doc_type: str
    label: str
    required: bool
    status: Literal["missing", "uploaded", "accepted", "rejected"]
    reason_code: str | None = None
    reason: str | None = Field(default=None, description="The reason code in plain words.")
    note: str | None = None
    pages: int | None = None
    size_bytes: int | None = None


class EstimateView(BaseModel):
    """The claim's figures if paid on `as_of`: an estimate until the approval day, on which
    they are worked out again from the account and become the payout's."""

    as_of: date
    balance: int
    gross: int
    tax: int
    net: int
    npwp_required: bool


class InterviewView(BaseModel):
    starts_at: datetime
    ends_at: datetime
    branch_code: str
    timezone: str
    video_url: str
    first_change_free: bool = Field(
        False,
        description="The slot was held automatically: the applicant's first change of it is "
        "their choice and is not counted as a rebooking.",
    )
    max_rebookings: int = Field(0, description="Rebookings allowed over the claim's life.")
    rebookings_left: int = Field(
        0, description="Counted changes still allowed (after a miss: one, then none)."
    )


class BranchInterviewRequest(BaseModel):
    """The applicant asked to be interviewed at the branch instead of by video."""

    requested_at: datetime
    reason: str


class ParticipantMasked(BaseModel):
    full_name: str
    kpj: str
    nik_masked: str


class BankAccountMasked(BaseModel):
    bank_code: str
    account_number_masked: str
    account_holder: str


class HistoryItem(BaseModel):
    status: str
    at: datetime
    reason_code: str | None = None
    note: str | None = None


class ApplicantClaimView(BaseModel):
    id: str
    reference: str
    status: str
    version: int
    reason: str
    branch_code: str
    participant: ParticipantMasked
    heir_full_name: str | None = None
    bank_account: BankAccountMasked | None
    npwp_given: bool
    checklist: list[ChecklistItem]
    estimate: EstimateView
    interview: InterviewView | None
    branch_interview_request: BranchInterviewRequest | None = None
    allowed_actions: list[str]
    sla_due_at: datetime | None
    history: list[HistoryItem]


class CreatedClaimView(BaseModel):
    id: str
    reference: str
    status: str
    access_token: str | None = Field(
        description="Shown once: the applicant's credential for this claim. Null in an "
        "Idempotency-Key replay (Idempotent-Replayed: true): the token is never stored."
    )
    reason: str
    checklist: list[ChecklistItem]
    estimate: EstimateView


class SettlementProposalView(BaseModel):
    """A manual settlement proposed by one finance officer, waiting for a second one's
    identical call (officers only)."""

    action: str = Field(description="confirm or fail")
    detail: str = Field(
        description="The bank reference of a confirmation, the reason code of a failure."
    )
    proposed_by: str
    proposed_at: datetime


class PayoutView(BaseModel):
    reference: str
    gross: int
    tax: int
    net: int
    status: str
    bank_code: str
    account_number_masked: str
    created_at: datetime
    paid_at: datetime | None = None
    settlement_proposal: SettlementProposalView | None = Field(
        default=None, description="The standing manual settlement of this payout, if any."
    )


class AccountView(BaseModel):
    """The KPJ's JHT account on `as_of` (domain.md, "The JHT account")."""

    as_of: date
    statement_balance: int
    statement_date: date
    development: int = Field(description="Since the statement's day, at each year's rate.")
    paid_out: int = Field(description="Payouts confirmed after the statement's day.")
    held: int = Field(description="Payouts still being paid: not yet confirmed, not claimable.")
    available: int
    rate_bp: int = Field(description="This year's development rate, in basis points.")
    rate_assumed: bool = Field(description="No rate is declared for this year: the last one.")
    rate_source: str


class EventView(BaseModel):
    seq: int
    trigger: str
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    reason_code: str | None
    note: str | None
    hash: str


class RegistryView(BaseModel):
    kpj: str
    nik: str
    full_name: str
    birth_date: date
    gender: str
    membership_start: date
    membership_status: str
    employer_name: str
    employment_end_date: date | None
    balance: int
    balance_date: date
    deceased: bool


class HeirOrderStep(BaseModel):
    rank: int
    relationship: str = Field(description="The relationship code a claim states for this step.")
    label_id: str
    label_en: str


class HeirView(BaseModel):
    nik: str
    full_name: str
    birth_date: date
    relationship: str
    relationship_label_id: str
    relationship_label_en: str
    rank: int | None = Field(
        description="The heir's place in the heir order (1: the widow or widower); for "
        "`other` (grandchild, parent-in-law, person named in a will) the earliest it may be."
    )
    order: list[HeirOrderStep] = Field(
        description="The heir order of Permenaker 4/2022 art. 16: an heir inherits only when "
        "no heir of an earlier order exists."
    )


class OfficerDocumentView(BaseModel):
    doc_type: str
    required: bool
    status: str
    pages: int
    size_bytes: int
    sha256: str
    reason_code: str | None
    note: str | None
    uploaded_at: datetime
    reused_in_other_claims: int = Field(
        description="Claims of other participants holding the same original file."
    )


class OfficerClaimView(BaseModel):
    id: str
    reference: str
    status: str
    version: int
    reason: str
    branch_code: str
    rules_version: str
    participant: RegistryView
    heir: HeirView | None
    email: str
    phone: str
    employment_end_date: date | None
    bank_account: dict[str, str] | None
    npwp: str | None
    documents: list[OfficerDocumentView]
    missing_documents: list[str]
    account: AccountView
    estimate: EstimateView
    flags: list[str]
    interview: InterviewView | None
    branch_interview_request: BranchInterviewRequest | None = Field(
        None, description="The applicant asked for the interview at the branch, not by video."
    )
    verifier_id: int | None
    interviewer_id: int | None
    approver_id: int | None
    payout: PayoutView | None = Field(
        description="The claim's current payout (the latest: a refused transfer and a new "
        "account make another), null until the claim is approved."
    )
    payouts: list[PayoutView]
    allowed_triggers: list[str]
    sla_due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    events: list[EventView]


class QueueItem(BaseModel):
    id: str
    reference: str
    status: str
    reason: str
    branch_code: str
    sla_due_at: datetime | None
    flags: list[str]
    updated_at: datetime


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class SlotView(BaseModel):
    starts_at: datetime
    ends_at: datetime


class TrackedInterview(BaseModel):
    """The booked interview's time (not personal): ISO 8601 in the branch's own zone."""

    starts_at: datetime
    ends_at: datetime
    timezone: str


class TrackedClaim(BaseModel):
    reference: str
    reason: str
    step: int | None
    step_label: str
    state: Literal[
        "in_progress", "action_required", "completed", "rejected", "cancelled", "expired"
    ]
    updated_on: date
    next_step: str
    interview: TrackedInterview | None = None


class TrackingView(BaseModel):
    kpj: str
    claims: list[TrackedClaim]
