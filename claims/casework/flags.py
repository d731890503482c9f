"""Keeping the claims' stored flags (workflow.flags) true when their facts change. A bank
account or an uploaded file shared between two people flags the claims of both, so a change
on one claim recomputes the flags of every claim that named the old or names the new account
or file. Called in the transaction of the change; services flush and never commit."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from claims.models import Claim
from claims.repositories.flags import (
    claims_with_account,
    claims_with_files,
    file_hashes_of_claim,
    flag_facts,
    lock_flag_facts,
    write_flags,
)
from workflow.flags import claim_flags

BankAccountKey = tuple[str, str]


def bank_account_of(claim: Claim) -> BankAccountKey | None:
    """The claim's bank account as flags compare it (bank and number), None before one is
    given."""
    if claim.bank_code and claim.account_number:
        return claim.bank_code, claim.account_number
    return None


def refresh_flags(session: Session, claim_ids: Collection[str]) -> None:
    """Recomputes the flags of `claim_ids` from their facts now, writing those that moved."""
    moved = {}
    for claim in flag_facts(session, claim_ids):
        flags = claim_flags(claim.facts)
        if flags != claim.stored:
            moved[claim.claim_id] = flags
    write_flags(session, moved)


def refresh_flags_after_account_change(
    session: Session, claim: Claim, previous: BankAccountKey | None
) -> None:
    """After the claim's bank account was set (written already): its flags, and those of the
    claims that named the `previous` account or name the new one."""
    accounts = {account for account in (previous, bank_account_of(claim)) if account}
    lock_flag_facts(session, (f"account:{bank}:{number}" for bank, number in accounts))
    affected = {claim.id}
    for bank, number in accounts:
        affected |= claims_with_account(session, bank, number)
    refresh_flags(session, affected)


def file_hashes(session: Session, claim: Claim) -> set[str]:
    """The hashes of the claim's original files: read before a change of its documents, for
    `refresh_flags_after_files_change`."""
    return file_hashes_of_claim(session, claim.id)


def refresh_flags_after_files_change(session: Session, claim: Claim, previous: set[str]) -> None:
    """After the claim's documents changed (an upload stored or replaced, a document
    removed; written already): its flags, and those of the claims holding a file it held
    before (`previous`, from `file_hashes`) or holds now."""
    hashes = previous | file_hashes_of_claim(session, claim.id)
    lock_flag_facts(session, (f"file:{digest}" for digest in hashes))
    refresh_flags(session, {claim.id} | claims_with_files(session, hashes))
