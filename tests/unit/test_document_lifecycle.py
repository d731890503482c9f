"""The uploaded document's lifecycle: every (status, trigger) against an expectation table
written out here, independently of workflow.document_lifecycle's steps."""

from __future__ import annotations

import itertools

import pytest

from tests.lifecycles import assert_step
from workflow.document_lifecycle import (
    DOCUMENT_LIFECYCLE,
    DocumentStatus,
    DocumentTrigger,
    present_doc_types,
)

S, T = DocumentStatus, DocumentTrigger

EXPECTED: dict[tuple[DocumentStatus, DocumentTrigger], DocumentStatus] = {
    # The verifier decides an upload, or decides again at a later review.
    (S.uploaded, T.accept): S.accepted,
    (S.accepted, T.accept): S.accepted,
    (S.rejected, T.accept): S.accepted,
    (S.uploaded, T.send_back): S.rejected,
    (S.accepted, T.send_back): S.rejected,
    (S.rejected, T.send_back): S.rejected,
    # A new upload of the type, whatever the verdict on the one it replaces.
    (S.uploaded, T.reupload): S.uploaded,
    (S.accepted, T.reupload): S.uploaded,
    (S.rejected, T.reupload): S.uploaded,
}


def test_a_new_document_starts_uploaded() -> None:
    assert DOCUMENT_LIFECYCLE.initial is S.uploaded


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(DocumentStatus, DocumentTrigger))
)
def test_every_status_and_trigger_against_the_table(
    status: DocumentStatus, trigger: DocumentTrigger
) -> None:
    assert_step(DOCUMENT_LIFECYCLE, EXPECTED, status, trigger)


def test_the_table_declares_no_more_than_expected() -> None:
    declared = {
        (status, trigger)
        for status in DocumentStatus
        for trigger in DOCUMENT_LIFECYCLE.triggers_from(status)
    }
    assert declared == set(EXPECTED)


@pytest.mark.parametrize(
    ("status", "present"),
    [(S.uploaded, True), (S.accepted, True), (S.rejected, False)],
)
def test_a_sent_back_document_counts_as_missing(status: DocumentStatus, present: bool) -> None:
    statuses = {"ktp": status, "paklaring": S.accepted}
    expected = {"ktp", "paklaring"} if present else {"paklaring"}
    assert present_doc_types(statuses) == expected
