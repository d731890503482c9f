"""The field checks of a claim request that the API and the apply page share: a table of
(fields) -> the problems, by the API's field names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from claims.casework.claim_fields import HEIR_RELATIONSHIPS, HeirInput, check_claim_fields
from claims.casework.schemas import HeirBody
from workflow.heirs import HEIR_RELATIONSHIP_LABELS

# A woman of Jakarta Utara born 15-03-1990 (the day is 15 + 40).
HEIR_NIK = "3171015503900001"
GOOD = {
    "kpj": "26000000005",
    "nik": "5105054303970005",
    "phone": "081234567890",
    "full_name": "Dewi Lestari",
    "death": False,
    "heir": None,
}
HEIR = HeirInput(HEIR_NIK, "Sri Wahyuni", date(1990, 3, 15), "spouse")

CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("well-formed", {}, set()),
    (
        "every identifier malformed",
        {"kpj": "123", "nik": "1", "phone": "555"},
        {"kpj", "nik", "phone"},
    ),
    ("a name of no letters", {"full_name": "..."}, {"full_name"}),
    ("death without an heir", {"death": True}, {"heir"}),
    ("an heir without a death", {"heir": HEIR}, {"heir"}),
    ("death with a well-formed heir", {"death": True, "heir": HEIR}, set()),
    (
        "the heir's NIK disagrees with the heir's birth date",
        {"death": True, "heir": HeirInput(HEIR_NIK, "Sri", date(1991, 3, 15), "spouse")},
        {"heir.birth_date"},
    ),
    (
        "an unread birth date: refused, its agreement with the NIK not checked",
        {"death": True, "heir": HeirInput(HEIR_NIK, "Sri", None, "spouse")},
        {"heir.birth_date"},
    ),
    (
        "the heir's NIK, name and relationship malformed",
        {"death": True, "heir": HeirInput("12", "-", date(1990, 3, 15), "cousin")},
        {"heir.nik", "heir.full_name", "heir.relationship"},
    ),
]


@pytest.mark.parametrize(("case", "changes", "refused"), CASES, ids=[c[0] for c in CASES])
def test_claim_fields(case: str, changes: dict[str, Any], refused: set[str]) -> None:
    checked = check_claim_fields(**{**GOOD, **changes})
    assert {error.field for error in checked.errors} == refused, case
    for error in checked.errors:
        assert error.message_en and error.message_id and error.message_en != error.message_id
    if not refused & {"kpj", "nik", "phone"}:
        assert checked.kpj == "26000000005" and checked.phone is not None
        assert checked.nik is not None and checked.nik.value == GOOD["nik"]
    heir = changes.get("heir")
    if refused & {"heir.nik", "heir.birth_date"} and heir and heir.birth_date is not None:
        assert checked.heir_nik is None  # malformed, or its birth date disagrees
    elif changes.get("death") and heir:
        assert checked.heir_nik is not None and checked.heir_nik.value == HEIR_NIK


def test_heir_relationships_are_listed_once() -> None:
    """The API's schema takes the same Literal; the rule data (the page's and the officer's
    words) has a label for each, and no more."""
    schema = HeirBody.model_json_schema()["properties"]["relationship"]
    assert tuple(schema["enum"]) == HEIR_RELATIONSHIPS
    assert tuple(HEIR_RELATIONSHIP_LABELS) == HEIR_RELATIONSHIPS
