"""The flags of a claim: what an officer should look at twice before deciding (domain.md,
"Fraud controls"). A flag refuses nothing; it is derived from the claim's facts, so the
service recomputes it whenever one of those facts changes (the claim created, its bank account
set, an upload stored or removed) and stores it for the officer queue."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workflow.heirs import is_later_heir
from workflow.identifiers import normalize_holder_name


class ClaimFlag(StrEnum):
    # The claim's bank account is also named by a claim of another person (another NIK).
    duplicate_bank_account = "duplicate_bank_account"
    # An original file uploaded to the claim (same SHA-256) is in a claim of another person.
    reused_document = "reused_document"
    # The account holder is not the claimant (the heir for a death claim) by name.
    name_mismatch = "name_mismatch"
    # The employment end date is the applicant's, the registry having none: the verifier
    # checks it against the employer's letter.
    declared_end_date = "declared_end_date"
    # A death claim by an heir after the first order (workflow.heirs.is_later_heir).
    later_heir = "later_heir"


@dataclass(frozen=True)
class FlagFacts:
    """What one claim's flags are decided on. `account_holder` is None until the applicant
    gives a bank account; `claimant_name` is the participant's, or the heir's for a death
    claim; `heir_relationship` is None but for a death claim."""

    claimant_name: str
    account_holder: str | None = None
    account_shared_with_another_person: bool = False
    file_shared_with_another_person: bool = False
    declared_end_date: bool = False
    heir_relationship: str | None = None


def claim_flags(facts: FlagFacts) -> list[str]:
    """The claim's flags, sorted (each at most once): the form the claim row stores."""
    raised = {
        ClaimFlag.duplicate_bank_account: facts.account_shared_with_another_person,
        ClaimFlag.reused_document: facts.file_shared_with_another_person,
        ClaimFlag.name_mismatch: facts.account_holder is not None
        and normalize_holder_name(facts.account_holder)
        != normalize_holder_name(facts.claimant_name),
        ClaimFlag.declared_end_date: facts.declared_end_date,
        ClaimFlag.later_heir: is_later_heir(facts.heir_relationship),
    }
    return sorted(flag.value for flag, up in raised.items() if up)


def creation_flags(declared_end_date: bool, heir_relationship: str | None) -> list[str]:
    """The flags of a claim as it is created: it has no bank account and no upload yet, so
    only what the applicant stated counts (a declared end date, the heir's relationship)."""
    return claim_flags(
        FlagFacts(
            claimant_name="",
            declared_end_date=declared_end_date,
            heir_relationship=heir_relationship,
        )
    )
