"""The claims repository. The one way a claim's status changes: fire the workflow
machine, then, in the caller's transaction, write the status, bump the version (optimistic lock), move the SLA clock and
append the audit event. A concurrent change of the same claim fails with 409."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Select,
    Table,
    bindparam,
    inspect,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from claims.casework.audit import ChainHead, append_event, chain_head
from claims.errors import ConcurrentChange, PreconditionFailed
from claims.models import Claim
from claims.repositories._rows import CHAIN_HEADS_KEY, event_race, flush_claim
from scheduling.sla import SlaClock, clock_for_status, due_at
from workflow.machine import TransitionFacts, fire
from workflow.rules import RuleSet, rules_by_version
from workflow.states import FINAL_STATUSES, Actor, ClaimStatus, Trigger

# Called after every recorded transition with (trigger, from, to, seconds spent in `from`):
# the metrics register here, so the casework does not depend on the web layer.
TransitionListener = Callable[[str, str, str, float], None]
TRANSITION_LISTENERS: list[TransitionListener] = []
M = TypeVar("M")
_BY_KEY: dict[type[Any], Select[Any]] = {}


@dataclass(frozen=True)
class TransitionResult:
    from_status: ClaimStatus
    to_status: ClaimStatus
    event: dict[str, Any]  # the event row written


def forget_facts_of_others(session: Session, claim: Claim) -> None:
    """Drops the person facts (casework.service.memo) that count `claim` itself: those read
    without it stay true whatever happens to it."""
    facts = session.info.get("person_facts")
    if facts:
        for key in [key for key in facts if key[-1] != claim.id]:
            del facts[key]


def remember_chain_head(session: Session, claim: Claim, head: ChainHead) -> None:
    """The chain's head as of the claim's current version (see `known_chain_head`)."""
    session.info.setdefault(CHAIN_HEADS_KEY, {})[claim.id] = (claim.version, head)


def known_chain_head(session: Session, claim: Claim) -> ChainHead | None:
    """The head read with the claim (or written since) while the claim is still at that
    version. Every event is appended by a transition that moves the version, so a head known
    at the version the claim's UPDATE then checks is the head the next event extends: had
    anyone appended since, that UPDATE would find another version and refuse (409)."""
    found = session.info.get(CHAIN_HEADS_KEY, {}).get(claim.id)
    if found is not None and found[0] == claim.version:
        return found[1]  # type: ignore[no-any-return]
    return None


def claim_rules(claim: Claim) -> RuleSet:
    return rules_by_version(claim.rules_version)


def check_version(claim: Claim, expected_version: int | None) -> None:
    """`If-Match` on officer actions: the version the caller saw must still be current."""
    if expected_version is not None and expected_version != claim.version:
        raise PreconditionFailed(claim.version)


def _sla_fields(claim: Claim, status: ClaimStatus, rules: RuleSet, now: datetime) -> dict[str, Any]:
    """The SLA clock's columns once the claim enters `status` at `now`."""
    clock = SlaClock(used_seconds=claim.sla_used_seconds, running_since=claim.sla_running_since)
    clock = clock_for_status(clock, status, now)
    # A finished claim has no due date; a paused one shows when it would fall due if resumed now.
    final = status in FINAL_STATUSES
    return {
        "sla_used_seconds": clock.used_seconds,
        "sla_running_since": clock.running_since,
        "sla_due_at": None if final else due_at(clock, now, rules.sla_working_days),
    }


_CLAIMS = cast(Table, Claim.__table__)
_CLAIM_UPDATES: dict[tuple[str, ...], Any] = {}


def _claim_update(keys: tuple[str, ...]) -> Any:
    """UPDATE claims SET <keys>, version = :new_version WHERE id = :id AND version = :version,
    built once per set of columns."""
    statement = _CLAIM_UPDATES.get(keys)
    if statement is None:
        statement = (
            update(_CLAIMS)
            .where(
                _CLAIMS.c.id == bindparam("claim_id_"),
                _CLAIMS.c.version == bindparam("version_"),
            )
            .values(
                version=bindparam("new_version_", type_=_CLAIMS.c.version.type),
                **{key: bindparam(key, type_=_CLAIMS.c[key].type) for key in keys},
            )
        )
        _CLAIM_UPDATES[keys] = statement
    return statement


def write_claim(session: Session, claim: Claim, values: dict[str, Any]) -> None:
    """Sets `values` on the claim and writes them with a new version in one UPDATE whose
    version check refuses a concurrent change (409). A claim with no other unwritten change
    (the usual case) is written by one statement built once, and the object takes the values
    as written; otherwise through the ORM's flush, which writes those changes too."""
    head = known_chain_head(session, claim)  # unchanged by this write: no event is added
    state = inspect(claim)
    if state.modified or not state.persistent:
        for name, value in values.items():
            setattr(claim, name, value)
        flag_modified(claim, "status")  # written, and its version moved, even if unchanged
        flush_claim(session)
        if head is not None:
            remember_chain_head(session, claim, head)
        return
    keys = tuple(sorted(values))
    version = claim.version
    parameters = dict(values, claim_id_=claim.id, version_=version, new_version_=version + 1)
    result = session.connection().execute(_claim_update(keys), parameters)
    if result.rowcount != 1:
        raise ConcurrentChange()
    for name, value in values.items():
        set_committed_value(claim, name, value)
    set_committed_value(claim, "version", version + 1)
    if head is not None:
        remember_chain_head(session, claim, head)


def apply_transition(
    session: Session,
    claim: Claim,
    trigger: Trigger,
    actor: Actor,
    now: datetime,
    facts: TransitionFacts | None = None,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
) -> TransitionResult:
    """Fires `trigger` and records it; raises a WorkflowError (nothing written) when refused.
    `changes` are further claim fields to set with the new status."""
    check_version(claim, expected_version)
    previous = known_chain_head(session, claim) or chain_head(session, claim.id)
    rules = claim_rules(claim)
    old = ClaimStatus(claim.status)
    new = fire(old, trigger, actor, facts or TransitionFacts(), now, rules)
    # Other fields the same step sets (who approved, when submitted): applied only once the
    # machine has accepted, and written by the same UPDATE.
    values: dict[str, Any] = {"status": new.value, "updated_at": now, **(changes or {})}
    values.update(_sla_fields(claim, new, rules, now))
    forget_facts_of_others(session, claim)  # the person's open/paid claims now differ
    # Every transition writes the claim row, so its version moves even when no field
    # changed; the UPDATE goes first: its version check (WHERE version = the one we read)
    # serialises writers of this claim, so the event appended next extends the chain head
    # read above. The unique (claim, seq) index stays as the last line of defence.
    write_claim(session, claim, values)
    flush_claim(session)  # whatever else the step left unwritten, as before
    try:
        event = append_event(
            session,
            claim,
            trigger=trigger.value,
            from_status=old.value,
            to_status=new.value,
            actor_role=actor.role.value,
            actor_id=actor.officer_id,
            at=now,
            reason_code=reason_code,
            note=note,
            data=data,
            previous=previous,
        )
    except IntegrityError as error:
        if event_race(error):
            raise ConcurrentChange() from None
        raise
    remember_chain_head(session, claim, ChainHead(event["seq"], event["hash"], event["at"]))
    seconds_in_old = (now - previous.at).total_seconds() if previous else 0.0
    for listener in TRANSITION_LISTENERS:
        listener(trigger.value, old.value, new.value, seconds_in_old)
    return TransitionResult(old, new, event)
