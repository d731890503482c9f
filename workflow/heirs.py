"""Who inherits a participant's JHT, in order (domain.md, "Claim reasons"; Permenaker 4/2022
art. 16): the widow or widower, the children, then the parents, the grandchildren, the
siblings, the parents-in-law, a person named in a will. An heir of a later order inherits only
when no heir of an earlier order exists.

A death claim names the claiming heir's relationship by one of the API's five codes
(`spouse`, `child`, `parent`, `sibling`, `other`). `other` stands for three orders at once
(grandchild, parent-in-law, person named in a will): the application form does not tell them
apart, the family card and the will do, so its rank here is the earliest it may hold.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeirOrder:
    """One step of the order: its rank (1 first), the relationship code a claim states for
    it, and its name in Bahasa Indonesia and English."""

    rank: int
    relationship: str
    label_id: str
    label_en: str


HEIR_ORDER: tuple[HeirOrder, ...] = (
    HeirOrder(1, "spouse", "Janda atau duda", "Widow or widower"),
    HeirOrder(2, "child", "Anak", "Children"),
    HeirOrder(3, "parent", "Orang tua", "Parents"),
    HeirOrder(4, "other", "Cucu", "Grandchildren"),
    HeirOrder(5, "sibling", "Saudara kandung", "Siblings"),
    HeirOrder(6, "other", "Mertua", "Parents-in-law"),
    HeirOrder(7, "other", "Pihak yang ditunjuk dalam wasiat", "A person named in a will"),
)


# How the apply form and the officer name each relationship code (Bahasa Indonesia, English).
HEIR_RELATIONSHIP_LABELS: dict[str, tuple[str, str]] = {
    "spouse": ("Suami/istri", "Spouse"),
    "child": ("Anak", "Child"),
    "parent": ("Orang tua", "Parent"),
    "sibling": ("Saudara kandung", "Sibling"),
    "other": (
        "Lainnya (cucu, mertua, penerima wasiat)",
        "Other (grandchild, parent-in-law, person named in a will)",
    ),
}


def heir_rank(relationship: str) -> int | None:
    """The earliest rank of the order an heir of `relationship` may hold; None for a code
    that is not a relationship."""
    ranks = [step.rank for step in HEIR_ORDER if step.relationship == relationship]
    return min(ranks) if ranks else None


def is_later_heir(relationship: str | None) -> bool:
    """Whether a death claim by an heir of `relationship` asks the officer to check that no
    heir of an earlier order exists: every heir but the widow or widower. The claim does not
    say who else survives the participant, so from the second order on the officer checks the
    family card (and, for `other`, which order the heir belongs to). None: not a death claim."""
    if relationship is None:
        return False
    rank = heir_rank(relationship)
    return rank is None or rank > HEIR_ORDER[0].rank
