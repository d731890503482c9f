"""Whether what a person typed identifies a registered participant (domain.md, identity
verification): the one rule behind opening a claim, signing in and registering a phone by SMS.
Each channel asks for a different set of facts (a claim: NIK, name and birth date; signing in:
NIK and birth date; SMS: NIK with the birth date or the name), but every fact given must agree,
and the answer never says which one did not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.identifiers import Nik, normalize_holder_name


@dataclass(frozen=True)
class RegisteredIdentity:
    """The registry's facts an identity is checked against."""

    nik: str
    full_name: str
    birth_date: date


@dataclass(frozen=True)
class TypedIdentity:
    """What the person typed: a well-formed NIK and at least one of birth date and name."""

    nik: Nik
    birth_date: date | None = None
    full_name: str | None = None

    def __post_init__(self) -> None:
        if self.birth_date is None and self.full_name is None:
            raise ValueError("an identity needs the birth date or the full name beside the NIK")


def identity_matches(registered: RegisteredIdentity, typed: TypedIdentity) -> bool:
    """True when the NIK is the registry's and every other fact given agrees with it; a
    birth date must also be the one the NIK itself encodes."""
    if registered.nik != typed.nik.value:
        return False
    if typed.birth_date is not None and (
        registered.birth_date != typed.birth_date or not typed.nik.agrees_with(typed.birth_date)
    ):
        return False
    return typed.full_name is None or normalize_holder_name(
        registered.full_name
    ) == normalize_holder_name(typed.full_name)
