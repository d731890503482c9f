"""The field checks of a claim request that the API and the apply page share: a table of
(fields) -> the problems, by the API's field names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from claims.casework.claim_fields import HeirFields, check_claim_fields

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
HEIR = HeirFields(HEIR_NIK, "Sri Wahyuni", date(1990, 3, 15), "spouse")

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
        {"death": True, "heir": HeirFields(HEIR_NIK, "Sri", date(1991, 3, 15), "spouse")},
        {"heir.birth_date"},
    ),
    (
        "an unread birth date: the agreement is not checked",
        {"death": True, "heir": HeirFields(HEIR_NIK, "Sri", None, "spouse")},
        set(),
    ),
    (
        "the heir's NIK, name and relationship malformed",
        {"death": True, "heir": HeirFields("12", "-", date(1990, 3, 15), "cousin")},
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
    if refused & {"heir.nik", "heir.birth_date"}:
        assert checked.heir_nik is None
    elif changes.get("death") and changes.get("heir"):
        assert checked.heir_nik is not None and checked.heir_nik.value == HEIR_NIK
