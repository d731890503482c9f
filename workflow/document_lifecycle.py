"""The uploaded document's lifecycle (workflow.md): uploaded, then accepted or sent back by
the verifier; a new upload of the same type (a sent-back one, usually) makes it uploaded again."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from workflow.lifecycle import Lifecycle, Step


class DocumentStatus(StrEnum):
    uploaded = "uploaded"
    accepted = "accepted"
    rejected = "rejected"


def present_doc_types(statuses: Mapping[str, DocumentStatus]) -> set[str]:
    """The document types that count as given (`statuses`: each type's status): uploaded or
    accepted; one sent back is missing until it is uploaded again."""
    return {doc_type for doc_type, status in statuses.items() if status != DocumentStatus.rejected}


class DocumentTrigger(StrEnum):
    accept = "accept"  # the verifier accepts it
    send_back = "send_back"  # the verifier rejects it with a reason code
    reupload = "reupload"  # the applicant uploads this type again


_EVERY_STATUS = tuple(DocumentStatus)

# Every step leaves every status: the claim's status is what guards them. The verifier
# decides while the claim is under review, and may decide again a document decided at an
# earlier review (the claim came back after a revision); the applicant may upload a type
# again whatever its verdict while the claim waits for documents.
DOCUMENT_LIFECYCLE: Lifecycle[DocumentStatus, DocumentTrigger] = Lifecycle(
    "document",
    DocumentStatus.uploaded,
    [
        Step(DocumentTrigger.accept, _EVERY_STATUS, DocumentStatus.accepted),
        Step(DocumentTrigger.send_back, _EVERY_STATUS, DocumentStatus.rejected),
        Step(DocumentTrigger.reupload, _EVERY_STATUS, DocumentStatus.uploaded),
    ],
)
