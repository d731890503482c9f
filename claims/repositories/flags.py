"""The stored flags of claims (workflow.flags): the facts they are decided on, the claims
whose flags one change of a bank account or of uploaded files can move, and the write of the
flags column.

Writing flags is not a change of the claim: flags are derived from facts other writes record
(each of those with its own version and, for a status, its audit event), so they are written
without moving the claim's version (an applicant's or officer's If-Match stays valid when a
stranger's claim starts sharing an account) and without an event of their own, in the
transaction of the fact that moved them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select, text, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from claims.models import Claim, ClaimEvent, Document, DocumentFile, Participant
from workflow.flags import FlagFacts

_CLAIMS = cast(Table, Claim.__table__)

# Another person's claim naming the claim's bank account (by the partial index
# ix_claims_bank_account; "another person": another NIK, so a person's own later claim on
# another KPJ does not count).
_sharer = aliased(Claim, name="sharer")
_sharer_person = aliased(Participant, name="sharer_person")
_ACCOUNT_SHARED = (
    select(_sharer.id)
    .join(_sharer_person, _sharer_person.kpj == _sharer.kpj)
    .where(
        _sharer.account_number.is_not(None),
        _sharer.bank_code == Claim.bank_code,
        _sharer.account_number == Claim.account_number,
        _sharer.id != Claim.id,
        _sharer_person.nik != Participant.nik,
    )
    .exists()
)

# An original file of the claim (reached through its documents, by claim id) that a claim of
# another person holds too (by ix_document_files_sha256).
_own_file = aliased(DocumentFile, name="own_file")
_their_file = aliased(DocumentFile, name="their_file")
_their_claim = aliased(Claim, name="their_claim")
_their_person = aliased(Participant, name="their_person")
_FILE_SHARED = (
    select(_their_file.id)
    .select_from(Document)
    .join(_own_file, _own_file.document_id == Document.id)
    .join(_their_file, _their_file.sha256 == _own_file.sha256)
    .join(_their_claim, _their_claim.id == _their_file.claim_id)
    .join(_their_person, _their_person.kpj == _their_claim.kpj)
    .where(
        Document.claim_id == Claim.id,
        _their_claim.id != Claim.id,
        _their_person.nik != Participant.nik,
    )
    .exists()
)

_FLAG_FACTS = (
    select(
        Claim.id,
        Claim.flags,
        Claim.account_holder,
        Claim.heir_full_name,
        Claim.heir_relationship,
        Participant.full_name,
        _ACCOUNT_SHARED,
        _FILE_SHARED,
        ClaimEvent.data,
    )
    .join(Participant, Participant.kpj == Claim.kpj)
    # The creation event says whether the end date was the applicant's (intake.creation_data).
    .outerjoin(ClaimEvent, and_(ClaimEvent.claim_id == Claim.id, ClaimEvent.seq == 1))
    .where(Claim.id.in_(bindparam("claim_ids", expanding=True)))
)


@dataclass(frozen=True)
class StoredFlags:
    """A claim's flags as stored, and the facts they are to be decided on now."""

    claim_id: str
    stored: list[str]
    facts: FlagFacts


def flag_facts(session: Session, claim_ids: Collection[str]) -> list[StoredFlags]:
    """The facts of each claim's flags (pending changes written first), by one statement."""
    if not claim_ids:
        return []
    rows = session.execute(_FLAG_FACTS, {"claim_ids": sorted(claim_ids)})
    found = []
    for (
        claim_id,
        stored,
        holder,
        heir_name,
        relationship,
        participant_name,
        account_shared,
        file_shared,
        creation,
    ) in rows:
        facts = FlagFacts(
            # Who is paid, as casework.facts.claimant_name has it: the heir of a death claim.
            claimant_name=heir_name or participant_name,
            account_holder=holder,
            account_shared_with_another_person=bool(account_shared),
            file_shared_with_another_person=bool(file_shared),
            declared_end_date=bool((creation or {}).get("declared_end_date")),
            heir_relationship=relationship,
        )
        found.append(StoredFlags(claim_id, list(stored or []), facts))
    return found


_CLAIMS_WITH_ACCOUNT = select(Claim.id).where(
    Claim.account_number.is_not(None),
    Claim.bank_code == bindparam("bank_code"),
    Claim.account_number == bindparam("account_number"),
)


def claims_with_account(session: Session, bank_code: str, account_number: str) -> set[str]:
    """Every claim naming the bank account, whoever's."""
    found = session.scalars(
        _CLAIMS_WITH_ACCOUNT, {"bank_code": bank_code, "account_number": account_number}
    )
    return set(found)


_CLAIMS_WITH_FILES = select(DocumentFile.claim_id).where(
    DocumentFile.sha256.in_(bindparam("hashes", expanding=True))
)


def claims_with_files(session: Session, hashes: Collection[str]) -> set[str]:
    """Every claim holding an original file of one of `hashes`, whoever's."""
    if not hashes:
        return set()
    return set(session.scalars(_CLAIMS_WITH_FILES, {"hashes": sorted(hashes)}))


_FILES_OF_CLAIM = (
    select(DocumentFile.sha256)
    .join(Document, Document.id == DocumentFile.document_id)
    .where(Document.claim_id == bindparam("claim_id"))
)


def file_hashes_of_claim(session: Session, claim_id: str) -> set[str]:
    """The SHA-256 of every original file behind the claim's documents."""
    return set(session.scalars(_FILES_OF_CLAIM, {"claim_id": claim_id}))


_FLAG_FACT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def lock_flag_facts(session: Session, keys: Iterable[str]) -> None:
    """Holds each shared fact (a bank account, a file's hash) until the transaction ends, so
    that two claims taking up the same account or file at once see each other: the second
    waits for the first to commit, then reads it. Taken in sorted order (no deadlock between
    two holders of several). SQLite's writers are serialised already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    for key in sorted(set(keys)):
        session.execute(_FLAG_FACT_LOCK, {"key": f"claim-flags:{key}"})


_WRITE_FLAGS = (
    update(_CLAIMS)
    .where(_CLAIMS.c.id == bindparam("claim_id_"))
    .values(flags=bindparam("flags_", type_=_CLAIMS.c.flags.type))
)


def write_flags(session: Session, flags: Mapping[str, list[str]]) -> None:
    """Stores each claim's flags, without moving its version or adding an event (see the
    module's docstring); claims loaded in the session show them at once."""
    if not flags:
        return
    parameters: list[dict[str, Any]] = [
        {"claim_id_": claim_id, "flags_": value} for claim_id, value in sorted(flags.items())
    ]
    session.connection().execute(_WRITE_FLAGS, parameters)
    for claim_id, value in flags.items():
        loaded = session.identity_map.get((Claim, (claim_id,), None))
        if loaded is not None:
            set_committed_value(loaded, "flags", value)
