"""The verifier's document review: a decision per uploaded document, then either the claim
goes back to the applicant with the rejected items, or it is accepted and an interview booked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from claims.booking.book import DEFAULT_VIDEO_URL_TEMPLATE, accept_and_book
from claims.casework.facts import claim_checklist, claim_participant
from claims.errors import FieldProblem
from claims.models import Claim, Document
from claims.notifications_outbox import enqueue_notification
from claims.repositories.claims import apply_transition, check_version
from claims.repositories.documents import (
    DocumentVerdict,
    apply_document_triggers,
    documents_of_claim,
)
from workflow.document_lifecycle import DocumentStatus, DocumentTrigger
from workflow.machine import TransitionFacts
from workflow.reason_codes import ReasonCode, parse_reason_code
from workflow.states import Actor, ClaimStatus, Trigger


@dataclass(frozen=True)
class DocumentDecision:
    doc_type: str
    accepted: bool
    reason_code: str | None = None
    note: str | None = None


def review_documents(
    session: Session,
    claim: Claim,
    verifier: Actor,
    decisions: list[DocumentDecision],
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
    expected_version: int | None = None,
) -> Claim:
    check_version(claim, expected_version)
    if claim.status is not ClaimStatus.under_review:
        # Let the machine give the standard refusal with the allowed triggers.
        apply_transition(session, claim, Trigger.request_revision, verifier, now, TransitionFacts())
    documents = {d.doc_type: d for d in documents_of_claim(session, claim.id)}
    problems = _decision_problems(decisions, documents)
    if problems:
        raise FieldProblem(
            problems,
            "Every uploaded document needs one valid decision.",
            "Setiap dokumen yang diunggah memerlukan satu keputusan yang sah.",
        )
    rejected = [d for d in decisions if not d.accepted]
    # Read before the documents change below, so no autoflush writes them ahead of time:
    # they are written with the claim's own update by the transition.
    required = (
        set()
        if rejected
        else {
            doc.value
            for doc in claim_checklist(session, claim, claim_participant(session, claim)).required
        }
    )
    apply_document_triggers(
        session,
        [
            (
                documents[decision.doc_type],
                DocumentTrigger.accept if decision.accepted else DocumentTrigger.send_back,
                DocumentVerdict(
                    reason_code=None if decision.accepted else decision.reason_code,
                    note=decision.note,
                    reviewed_by=verifier.officer_id,
                    reviewed_at=now,
                ),
            )
            for decision in decisions
        ],
    )
    if rejected:
        items = [
            {"doc_type": d.doc_type, "reason_code": d.reason_code or "", "note": d.note or ""}
            for d in rejected
        ]
        apply_transition(
            session,
            claim,
            Trigger.request_revision,
            verifier,
            now,
            TransitionFacts(rejected_items=tuple(d.doc_type for d in rejected)),
            data={
                "items": [
                    {"doc_type": i["doc_type"], "reason_code": i["reason_code"]} for i in items
                ]
            },
            # The applicant's 30 days start again from the send-back.
            changes={"verifier_id": verifier.officer_id, "last_activity_at": now},
        )
        enqueue_notification(session, claim, "revision_requested", now, {"items": items})
        return claim
    accepted = {t for t, d in documents.items() if d.status == DocumentStatus.accepted}
    if not required <= accepted:
        apply_transition(
            session,
            claim,
            Trigger.accept_documents,
            verifier,
            now,
            TransitionFacts(all_required_accepted=False),
        )
    accept_and_book(session, claim, verifier, now, template)
    return claim


def _decision_problems(
    decisions: list[DocumentDecision], documents: Mapping[str, Document]
) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, decision in enumerate(decisions):
        field = f"decisions.{index}"
        if decision.doc_type not in documents:
            problems.append(
                {"field": f"{field}.doc_type", "message": "No document of this type was uploaded."}
            )
        if decision.doc_type in seen:
            problems.append({"field": f"{field}.doc_type", "message": "Decided twice."})
        seen.add(decision.doc_type)
        if not decision.accepted:
            code = parse_reason_code(decision.reason_code or "")
            if code is None:
                problems.append(
                    {
                        "field": f"{field}.reason_code",
                        "message": "A rejected document needs a reason code.",
                    }
                )
            elif code is ReasonCode.other and not (decision.note or "").strip():
                problems.append(
                    {"field": f"{field}.note", "message": "Reason 'other' needs a note."}
                )
    undecided = [
        doc_type
        for doc_type, document in documents.items()
        if document.status == DocumentStatus.uploaded and doc_type not in seen
    ]
    for doc_type in undecided:
        problems.append(
            {"field": "decisions", "message": f"No decision for the uploaded document {doc_type}."}
        )
    return problems
