"""The signed-in participant's account (channels.md, "The balance"): the JHT account of the
KPJ they signed in with (the computation of `kpj_account`, THE account), its history, every claim of the
person, their other KPJs masked, and what they can claim today. The API and the page `/saldo`
both show this; an heir's session sees its death claim only."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from claims.casework.facts import facts_of, wib_date
from claims.errors import Forbidden, NotFound
from claims.participants.balance_schemas import ParticipantAccountView
from claims.repositories.participant_access import SignedIn
from claims.repositories.participant_accounts import ParticipantRecords, participant_records
from claims.runtime import Runtime
from workflow.account import Account, Statement, account_on
from workflow.eligibility import check_eligibility, creation_refusal
from workflow.identifiers import mask_kpj
from workflow.money import benefit
from workflow.rules import rules_in_force
from workflow.states import OPEN_STATUSES, TRACKER_STEP, ClaimReason

HEIR_SESSION = "heir_session"
# Heirs claim for a death; the participant's own account offers the other reasons.
OWN_REASONS = tuple(reason for reason in ClaimReason if reason is not ClaimReason.death)
_OWN_REASON_VALUES = tuple((reason, reason.value) for reason in OWN_REASONS)


def heir_session() -> Exception:
    """403 for an heir's session: it opens the one death claim it was made for."""
    return Forbidden(
        "An heir's session opens the death claim it was made for, not the participant's account.",
        "Sesi ahli waris hanya membuka klaim meninggal dunia yang dimaksud, bukan saldo peserta.",
        code=HEIR_SESSION,
    )


def account_document(runtime: Runtime, signed: SignedIn) -> dict[str, Any]:
    """The JSON document of `ParticipantAccountView` for the KPJ `signed` signed in with,
    today in Jakarta, from one snapshot of the registry, the claims and the payouts. On
    SQLite fast enough for the event loop."""
    if signed.is_heir:
        raise heir_session()
    return document_of(signed, participant_records(runtime.db, signed.kpj), runtime.clock.now())


def document_of(
    signed: SignedIn, records: ParticipantRecords | None, now: datetime
) -> dict[str, Any]:
    """The JSON document of `ParticipantAccountView` of `records` (the KPJ `signed` signed in
    with), today in Jakarta at `now`. 403 for an heir's session, 404 for a KPJ the registry
    no longer has."""
    return _document(_records_to_show(signed, records), wib_date(now))


def account_json(signed: SignedIn, records: ParticipantRecords | None, now: datetime) -> bytes:
    """`document_of` as the body of a JSON answer (the API's hot path). The body depends on
    nothing but the records read in this request's snapshot and the day, so the bodies of
    the records last read are kept and given again while those records are read unchanged:
    a payout, a claim's new status, a registry import or the next day make other records
    or another day, never a stale answer."""
    return _account_body(_records_to_show(signed, records), wib_date(now))


# How many (records, day) bodies are kept: at about 2 KB each, a few megabytes.
ACCOUNT_BODIES_KEPT = 4096


@lru_cache(maxsize=ACCOUNT_BODIES_KEPT)
def _account_body(records: ParticipantRecords, today: date) -> bytes:
    # As starlette's JSONResponse renders it.
    return json.dumps(
        _document(records, today), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


def _records_to_show(signed: SignedIn, records: ParticipantRecords | None) -> ParticipantRecords:
    if signed.is_heir:
        raise heir_session()
    if records is None:
        raise NotFound("participant")
    return records


def _document(records: ParticipantRecords, today: date) -> dict[str, Any]:
    """A hot path: built as the document itself (like public tracking), without model
    validation on the way out."""
    registrant = records.registrant
    # kpj_account's computation (claims.casework.facts), on the rows read with the rest.
    account = account_on(
        Statement(registrant.balance, registrant.balance_date), records.payouts, today
    )
    return {
        "kpj": registrant.kpj,
        "full_name": registrant.full_name,
        "membership_status": registrant.membership_status,
        "membership_start": registrant.membership_start.isoformat(),
        "employer_name": records.employer_name,
        "balance": {
            "statement_balance": account.statement_balance,
            "statement_date": account.statement_date.isoformat(),
            "development": account.development,
            "paid_out": account.paid_out,
            "held": account.held,
            "available": account.available,
            "as_of": today.isoformat(),
            "rate_bp": account.rate.rate_bp,
        },
        "history": [
            {
                "date": line.on.isoformat(),
                "kind": line.kind,
                "amount": line.amount,
                "reference": line.reference,
            }
            for line in account.history
        ],
        "claims": [
            {
                "id": claim.id,
                "reference": claim.reference,
                # Masked as other_kpjs are: a claim may be on another KPJ of the person.
                "kpj_masked": mask_kpj(claim.kpj),
                "reason": claim.reason,
                "status": claim.status.value,
                "step": TRACKER_STEP[claim.status],
            }
            for claim in records.claims
        ],
        "other_kpjs": [
            {"kpj_masked": mask_kpj(other.kpj), "status": other.membership_status}
            for other in records.kpjs
            if other.kpj != registrant.kpj
        ],
        "claimable": claimable(records, account, today),
    }


def participant_account(runtime: Runtime, signed: SignedIn) -> ParticipantAccountView:
    """`account_document` as the model (for the page)."""
    return ParticipantAccountView.model_validate(account_document(runtime, signed))


def claimable(records: ParticipantRecords, account: Account, today: date) -> list[dict[str, Any]]:
    """Each reason but death, as creating a claim today would judge it (intake.create_claim):
    the registry's facts with the account's available balance, then an open claim of this
    KPJ, then an account with nothing left."""
    participant = records.registrant
    rules = rules_in_force(today)
    available = account.available
    facts = replace(
        facts_of(participant, records.had_partial_claim, records.other_kpj_active),
        balance=available,
    )
    open_claim = any(
        claim.kpj == participant.kpj and claim.status in OPEN_STATUSES for claim in records.claims
    )
    answers = []
    for reason, reason_value in _OWN_REASON_VALUES:
        eligibility = check_eligibility(rules, reason, facts, today)
        code = creation_refusal(eligibility, open_claim, available)
        eligible_from = eligibility.eligible_from
        answers.append(
            {
                "reason": reason_value,
                "eligible": code is None,
                "eligible_from": None if eligible_from is None else eligible_from.isoformat(),
                "code": code,
                "estimate_gross": benefit(rules, reason, available)
                if eligibility.eligible
                else None,
            }
        )
    return answers
