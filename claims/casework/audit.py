"""Verifying the audit trail: every claim's event chain walked in order against the hash rule
of `workflow.audit_chain`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from claims.repositories.events import events_in_chain_order
from workflow.audit_chain import GENESIS_HASH, chain_hash


@dataclass(frozen=True)
class BrokenLink:
    claim_id: str
    seq: int
    event_id: int
    problem: str


def verify_chains(session: Session, batch_size: int = 5_000) -> tuple[int, list[BrokenLink]]:
    """Walks every claim's chain in order; returns the events checked and, per claim, the first
    broken event."""
    checked = 0
    broken: list[BrokenLink] = []
    current_claim: str | None = None
    expected_prev = GENESIS_HASH
    expected_seq = 1
    claim_broken = False
    for event in events_in_chain_order(session, batch_size):
        if event.claim_id != current_claim:
            current_claim, expected_prev, expected_seq, claim_broken = (
                event.claim_id,
                GENESIS_HASH,
                1,
                False,
            )
        checked += 1
        if claim_broken:
            continue
        problem = None
        if event.seq != expected_seq:
            problem = (
                f"sequence {event.seq} where {expected_seq} was expected (an event is missing)"
            )
        elif event.prev_hash != expected_prev:
            problem = "its previous hash does not match the event before it"
        elif chain_hash(event.prev_hash, event) != event.hash:
            problem = "its content does not match its hash (the event was altered)"
        if problem:
            broken.append(BrokenLink(event.claim_id, event.seq, event.id, problem))
            claim_broken = True
        expected_prev, expected_seq = event.hash, event.seq + 1
    return checked, broken
