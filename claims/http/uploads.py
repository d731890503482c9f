"""The upload of one request's streamed body by the applicant holding the claim's token: the
API's PUT and the upload page's POST both go through it."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from claims.models import Claim
from claims.repositories.credentials import find_applicant_claim
from claims.runtime import Runtime
from claims.uploads.service import StoredUpload, receive_and_store


async def receive_request_upload(
    request: Request, runtime: Runtime, token: tuple[str, ...], claim_id: str, doc_type: str
) -> StoredUpload:
    """`receive_and_store` of this request's streamed body into the claim this token opens,
    with its size counted in /metrics."""

    def applicant_claim(session: Session) -> Claim:
        return find_applicant_claim(session, token, claim_id, runtime.clock.now())

    stored = await receive_and_store(
        runtime,
        applicant_claim,
        doc_type,
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
        request.stream(),
    )
    request.app.state.metrics.observe_upload(stored.received_bytes)
    return stored
