"""The flags of a claim from its facts (workflow.flags), and the heir order behind
`later_heir` (workflow.heirs): tables of facts -> flags."""

from __future__ import annotations

from dataclasses import replace

import pytest

from claims.casework.claim_fields import HEIR_RELATIONSHIPS
from workflow.flags import ClaimFlag, FlagFacts, claim_flags, creation_flags
from workflow.heirs import HEIR_ORDER, heir_rank, is_later_heir

CLEAN = FlagFacts(claimant_name="Dewi Lestari", account_holder="DEWI LESTARI")


@pytest.mark.parametrize(
    ("case", "facts", "flags"),
    [
        ("nothing to look at twice", CLEAN, []),
        ("no bank account yet: no name to compare", replace(CLEAN, account_holder=None), []),
        (
            "the holder's name spelt otherwise (case, dots, spaces): the same name",
            replace(CLEAN, claimant_name="Siti Nur'aini, S.E.", account_holder="SITI NURAINI SE"),
            [],
        ),
        (
            "the account is in someone else's name",
            replace(CLEAN, account_holder="Budi Santoso"),
            ["name_mismatch"],
        ),
        (
            "death: the heir is the claimant, the heir's own account",
            replace(
                CLEAN,
                claimant_name="Sri Wahyuni",
                account_holder="Sri Wahyuni",
                heir_relationship="spouse",
            ),
            [],
        ),
        (
            "death: a child claims (a later heir), the account in the deceased's name",
            replace(CLEAN, claimant_name="Sri Wahyuni", heir_relationship="child"),
            ["later_heir", "name_mismatch"],
        ),
        (
            "the account is another person's claim's too",
            replace(CLEAN, account_shared_with_another_person=True),
            ["duplicate_bank_account"],
        ),
        (
            "an uploaded file is in another person's claim",
            replace(CLEAN, file_shared_with_another_person=True),
            ["reused_document"],
        ),
        (
            "the end date is the applicant's, the registry had none",
            replace(CLEAN, declared_end_date=True),
            ["declared_end_date"],
        ),
        (
            "everything at once, sorted",
            FlagFacts(
                claimant_name="Sri Wahyuni",
                account_holder="Joko",
                account_shared_with_another_person=True,
                file_shared_with_another_person=True,
                declared_end_date=True,
                heir_relationship="other",
            ),
            [
                "declared_end_date",
                "duplicate_bank_account",
                "later_heir",
                "name_mismatch",
                "reused_document",
            ],
        ),
    ],
)
def test_flags_from_facts(case: str, facts: FlagFacts, flags: list[str]) -> None:
    assert claim_flags(facts) == flags, case


@pytest.mark.parametrize(
    ("declared", "relationship", "flags"),
    [
        (False, None, []),
        (True, None, ["declared_end_date"]),
        (False, "spouse", []),
        (False, "child", ["later_heir"]),
        (False, "other", ["later_heir"]),
    ],
)
def test_flags_at_creation(declared: bool, relationship: str | None, flags: list[str]) -> None:
    """A new claim has no account and no upload: only what the applicant stated counts."""
    assert creation_flags(declared, relationship) == flags


@pytest.mark.parametrize(
    ("relationship", "rank", "later"),
    [
        ("spouse", 1, False),
        ("child", 2, True),
        ("parent", 3, True),
        ("other", 4, True),  # grandchild (4), parent-in-law (6) or named in a will (7)
        ("sibling", 5, True),
        ("cousin", None, True),  # not a code the API takes: the officer looks anyway
        (None, None, False),  # not a death claim
    ],
)
def test_heir_rank_and_later_heir(relationship: str | None, rank: int | None, later: bool) -> None:
    if relationship is not None:
        assert heir_rank(relationship) == rank
    assert is_later_heir(relationship) is later


def test_heir_order_is_the_regulations_and_names_every_relationship() -> None:
    """Permenaker 4/2022 art. 16: seven steps in order, each named in both languages; every
    code the API takes has a step and a label, and every step's code is one the API takes."""
    assert [step.rank for step in HEIR_ORDER] == list(range(1, 8))
    assert [step.label_en for step in HEIR_ORDER] == [
        "Widow or widower",
        "Children",
        "Parents",
        "Grandchildren",
        "Siblings",
        "Parents-in-law",
        "A person named in a will",
    ]
    assert all(step.label_id and step.label_id != step.label_en for step in HEIR_ORDER)
    assert {step.relationship for step in HEIR_ORDER} == set(HEIR_RELATIONSHIPS)
    assert all(heir_rank(code) is not None for code in HEIR_RELATIONSHIPS)


def test_every_flag_of_the_spec_and_no_other() -> None:
    assert {flag.value for flag in ClaimFlag} == {
        "duplicate_bank_account",
        "reused_document",
        "name_mismatch",
        "declared_end_date",
        "later_heir",
    }
