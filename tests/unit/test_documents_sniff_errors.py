"""Content sniffing and the rejection exception (codes, statuses, pickling)."""

from __future__ import annotations

import pickle

import pytest

from documents.errors import REASONS, DocumentRejected
from documents.sniff import FileKind, sniff_bytes
from tests import corpus


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", FileKind.PDF),
        (b"\n\n  junk %PDF-1.4\n", FileKind.PDF),
        (b"\xff\xd8\xff\xe0rest", FileKind.JPEG),
        (b"\x89PNG\r\n\x1a\nrest", FileKind.PNG),
    ],
)
def test_sniff_accepts_by_content(data: bytes, kind: FileKind) -> None:
    assert sniff_bytes(data) is kind


@pytest.mark.parametrize(
    ("factory", "code"),
    [
        (corpus.exe_file, "unsupported_type"),
        (corpus.zip_file, "unsupported_type"),
        (corpus.text_file, "unsupported_type"),
        (lambda: b"GIF89a......", "unsupported_type"),
        (lambda: b"x" * 1024 + b"%PDF-1.7", "unsupported_type"),
        (lambda: b"PK\x03\x04" + b"%PDF-1.7", "unsupported_type"),
        (corpus.empty, "empty_file"),
    ],
)
def test_sniff_refuses(factory: object, code: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        sniff_bytes(factory()[:1024])  # type: ignore[operator]
    assert caught.value.code == code


def test_polyglot_pdf_zip_is_a_pdf() -> None:
    assert sniff_bytes(corpus.pdf_zip_polyglot()[:1024]) is FileKind.PDF


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_code_has_status_and_both_languages(code: str) -> None:
    rejected = DocumentRejected(code, limit="10")
    assert rejected.status in (413, 415, 422)
    assert rejected.message_id and rejected.message_en
    assert rejected.message_id != rejected.message_en
    assert "{" not in rejected.message_id + rejected.message_en


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("unsupported_type", 415),
        ("file_too_large", 413),
        ("too_many_files", 413),
        ("too_many_pages", 422),
        ("pdf_password_protected", 422),
        ("pdf_bomb", 422),
        ("pdf_damaged", 422),
        ("processing_failed", 422),
    ],
)
def test_status_per_code(code: str, status: int) -> None:
    assert DocumentRejected(code).status == status


def test_rejection_survives_pickling_with_all_fields() -> None:
    original = DocumentRejected("file_too_large", file_index=3, limit="10 MB", detail="x")
    copy = pickle.loads(pickle.dumps(original))
    assert isinstance(copy, DocumentRejected)
    assert (copy.code, copy.status, copy.file_index, copy.detail) == ("file_too_large", 413, 3, "x")
    assert copy.message_id == original.message_id
    assert "10 MB" in copy.message_en


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        DocumentRejected("nope")
