"""The field checks of a claim request, written once for the API (`check_form`) and the
apply page: each malformed field named as the API names it (`heir.nik`) and worded in both
languages. Form checks only: nothing here reads the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar, get_args

from workflow.identifiers import InvalidIdentifier, Kpj, Nik, Phone, normalize_holder_name

T = TypeVar("T")
# The one list of an heir's relationships: the API's schema and the page's labels use it too.
HeirRelationship = Literal["spouse", "child", "parent", "sibling", "other"]
HEIR_RELATIONSHIPS: tuple[HeirRelationship, ...] = get_args(HeirRelationship)


@dataclass(frozen=True)
class FieldError:
    field: str
    message_en: str
    message_id: str


@dataclass(frozen=True)
class HeirInput:
    """The heir named by a death claim, as the applicant typed it (the API's body, the apply
    form); a birth date the form could not read is None, and `check_claim_fields` refuses it
    without checking its agreement with the heir's NIK."""

    nik: str
    full_name: str
    birth_date: date | None
    relationship: str


@dataclass
class CheckedFields:
    """The identifiers that parsed (None where one did not) and every problem found, in the
    order of the request's fields."""

    kpj: str | None = None
    nik: Nik | None = None
    phone: str | None = None
    heir_nik: Nik | None = None
    errors: list[FieldError] = field(default_factory=list)

    def problem(self, name: str, message_en: str, message_id: str) -> None:
        self.errors.append(FieldError(name, message_en, message_id))

    def parsed(self, parse: Callable[[], T], prefix: str = "") -> T | None:
        """What `parse` gives, or None with its refusal noted under the field it names."""
        try:
            return parse()
        except InvalidIdentifier as error:
            name = error.field if error.field.startswith(prefix) else prefix + error.field
            self.problem(name, error.message_en, error.message_id)
            return None


def check_claim_fields(
    *, kpj: str, nik: str, phone: str, full_name: str, death: bool, heir: HeirInput | None
) -> CheckedFields:
    """The identifiers parsed, the names given, and for a death claim (only) an heir with a
    birth date their NIK agrees with and a relationship we know."""
    checked = CheckedFields()
    checked.kpj = checked.parsed(lambda: Kpj.parse(kpj).value)
    checked.nik = checked.parsed(lambda: Nik.parse(nik))
    checked.phone = checked.parsed(lambda: Phone.parse(phone).value)
    if not normalize_holder_name(full_name):
        checked.problem(
            "full_name",
            "Enter the full name as on the identity card.",
            "Isi nama lengkap sesuai KTP.",
        )
    if death and heir is None:
        checked.problem(
            "heir",
            "A death claim needs the heir's nik, full_name, birth_date and relationship.",
            "Klaim kematian memerlukan nik, full_name, birth_date dan relationship ahli waris.",
        )
    elif death and heir is not None:
        checked.heir_nik = checked.parsed(lambda: _heir_nik(heir), prefix="heir.")
        if heir.birth_date is None:
            checked.problem(
                "heir.birth_date",
                "Enter the heir's date of birth.",
                "Isi tanggal lahir ahli waris.",
            )
        if heir.relationship not in HEIR_RELATIONSHIPS:
            choices = ", ".join(HEIR_RELATIONSHIPS)
            checked.problem(
                "heir.relationship", f"One of {choices}.", f"Salah satu dari {choices}."
            )
        if not normalize_holder_name(heir.full_name):
            checked.problem(
                "heir.full_name", "Enter the heir's full name.", "Isi nama lengkap ahli waris."
            )
    elif heir is not None:
        checked.problem(
            "heir",
            "Only a death claim names an heir.",
            "Hanya klaim kematian yang menyebut ahli waris.",
        )
    return checked


def _heir_nik(heir: HeirInput) -> Nik:
    nik = Nik.parse(heir.nik)
    if heir.birth_date is not None:
        nik.require_agreement(heir.birth_date, field="heir.birth_date")
    return nik
