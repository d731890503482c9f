"""The reads behind the officer's and the applicant's views of a claim: its events and
payouts, and the uploaded files other people's claims share with it (per document; the
claim's flags are stored, see repositories.flags).
The branches are read in the registry repository."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from claims.models import (
    Claim,
    ClaimEvent,
    DocumentFile,
    Participant,
    Payout,
    PayoutSettlementProposal,
)


def claim_events(session: Session, claim_id: str) -> list[ClaimEvent]:
    """The claim's audit trail, oldest first."""
    return list(
        session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
        )
    )


def claim_payouts(session: Session, claim_id: str) -> list[Payout]:
    """Every payout of the claim, the first one made first."""
    return list(
        session.scalars(select(Payout).where(Payout.claim_id == claim_id).order_by(Payout.id))
    )


def standing_proposals(session: Session, claim_id: str) -> dict[int, PayoutSettlementProposal]:
    """The manual settlements proposed and not yet settled, by payout id, of the claim's
    payouts."""
    statement = (
        select(PayoutSettlementProposal)
        .join(Payout, Payout.id == PayoutSettlementProposal.payout_id)
        .where(Payout.claim_id == claim_id, PayoutSettlementProposal.settled_at.is_(None))
    )
    return {proposal.payout_id: proposal for proposal in session.scalars(statement)}


def reused_file_counts(session: Session, claim_id: str, nik: str) -> dict[int, int]:
    """Per document of the claim: how many claims of people other than `nik` hold one of its
    original files (by hash); documents whose files nobody else holds are left out."""
    mine = DocumentFile.__table__.alias("mine")
    other = DocumentFile.__table__.alias("other")
    rows = session.execute(
        select(mine.c.document_id, func.count(func.distinct(other.c.claim_id)))
        .join(other, and_(other.c.sha256 == mine.c.sha256, other.c.claim_id != mine.c.claim_id))
        .join(Claim, Claim.id == other.c.claim_id)
        .join(Participant, Participant.kpj == Claim.kpj)
        .where(mine.c.claim_id == claim_id, Participant.nik != nik)
        .group_by(mine.c.document_id)
    )
    return {int(document_id): int(count) for document_id, count in rows}
