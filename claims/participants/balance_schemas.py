"""The signed-in participant's account as the API answers it (channels.md, "The balance")."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class BalanceView(BaseModel):
    """The KPJ's JHT account today: the statement, its development since, the payouts
    confirmed since, and what a claim may pay (payouts still being paid left out)."""

    statement_balance: int
    statement_date: date
    development: int = Field(description="Since the statement's day, at each year's rate.")
    paid_out: int = Field(description="Payouts confirmed after the statement's day.")
    held: int = Field(description="Payouts still being paid: not yet confirmed, not claimable.")
    available: int = Field(description="What a claim may pay today.")
    as_of: date = Field(description="Today in Jakarta.")
    rate_bp: int = Field(description="This year's development rate, in basis points.")


class HistoryLineView(BaseModel):
    date: date
    kind: Literal["statement", "development", "payout"]
    amount: int = Field(description="A payout is negative.")
    reference: str | None = Field(description="The payout's reference.")


class ClaimSummaryView(BaseModel):
    id: str
    reference: str
    kpj_masked: str = Field(description="The claim's KPJ, first 4 and last 3 digits.")
    reason: str
    status: str
    step: int | None = Field(description="The tracking page's step 1-5; none once stopped.")


class OtherKpjView(BaseModel):
    kpj_masked: str = Field(description="First 4 and last 3 digits: 2600****005.")
    status: str = Field(description="Membership: active or inactive.")


class ClaimableView(BaseModel):
    reason: str
    eligible: bool = Field(description="A claim for this reason can be opened today.")
    eligible_from: date | None = Field(description="The first day it can, when a date decides.")
    code: str | None = Field(
        description="Why not today: an eligibility code, open_claim_exists or nothing_to_claim."
    )
    estimate_gross: int | None = Field(description="The benefit before tax, paid today.")


class ParticipantAccountView(BaseModel):
    kpj: str
    full_name: str
    membership_status: str
    membership_start: date
    employer_name: str
    balance: BalanceView
    history: list[HistoryLineView]
    claims: list[ClaimSummaryView] = Field(description="Every claim of the person, newest first.")
    other_kpjs: list[OtherKpjView]
    claimable: list[ClaimableView] = Field(description="Every reason but death (heirs claim it).")
