"""Which documents and data a claim needs before it can be submitted, per claim reason, and
whether an NPWP is required (balance above the threshold, or an earlier partial claim)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from workflow.rules import DocumentType, RuleSet
from workflow.states import ClaimReason

# Data items (not documents) that the service reports in a `missing` list next to document types.
BANK_ACCOUNT_ITEM = "bank_account"
NPWP_NUMBER_ITEM = "npwp_number"


@dataclass(frozen=True)
class Checklist:
    required: tuple[DocumentType, ...]
    optional: tuple[DocumentType, ...]
    npwp_required: bool


def npwp_required(rules: RuleSet, balance: int, had_partial_claim: bool) -> bool:
    """An NPWP is required when the balance is above the threshold or after a partial claim."""
    return balance > rules.npwp_required_above_balance or had_partial_claim


def document_checklist(
    rules: RuleSet, reason: ClaimReason, balance: int, had_partial_claim: bool
) -> Checklist:
    """The documents a claim for `reason` needs: common ones, the reason's own, and the NPWP card
    when an NPWP is required. Optional items never block submission."""
    reason_rule = rules.documents_by_reason[reason]
    needs_npwp = npwp_required(rules, balance, had_partial_claim)
    required = rules.common_documents + reason_rule.required
    if needs_npwp:
        required += (DocumentType.npwp,)
    return Checklist(required=required, optional=reason_rule.optional, npwp_required=needs_npwp)


def missing_items(
    checklist: Checklist,
    uploaded: Collection[str],
    has_bank_account: bool,
    has_npwp_number: bool,
) -> tuple[str, ...]:
    """What still blocks submission, in checklist order: document types not uploaded, then
    `bank_account` and `npwp_number` when absent. Feed the result to TransitionFacts."""
    missing: list[str] = [doc.value for doc in checklist.required if doc.value not in uploaded]
    if not has_bank_account:
        missing.append(BANK_ACCOUNT_ITEM)
    if checklist.npwp_required and not has_npwp_number:
        missing.append(NPWP_NUMBER_ITEM)
    return tuple(missing)
