"""What officers open (issue 16, item 9): no applicant font program and no JBIG2 or JPEG 2000
image reaches their PDF viewer; the page limit holds before pypdf flattens a page tree; a
stream deflated twice counts both stages against the inflate budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.errors import DocumentRejected
from documents.merge import build_document_pdf
from documents.sanitize import scan_for_active_content
from tests import corpus


def _build(tmp_path: Path, data: bytes) -> Path:
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    output = tmp_path / "out.pdf"
    build_document_pdf([source], output)
    return output


def _refusal(tmp_path: Path, data: bytes) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        _build(tmp_path, data)
    assert not (tmp_path / "out.pdf").exists()
    return caught.value


@pytest.mark.parametrize("key", [b"/FontFile", b"/FontFile2", b"/FontFile3"])
def test_an_embedded_font_program_is_refused(tmp_path: Path, key: bytes) -> None:
    refused = _refusal(tmp_path, corpus.embedded_font_pdf(key))
    assert (refused.code, refused.status, refused.file_index) == ("pdf_embedded_font", 422, 0)
    assert "font" in refused.message_id.lower() and "JPEG" in refused.message_en


def test_an_embedded_font_inside_a_form_is_refused(tmp_path: Path) -> None:
    assert _refusal(tmp_path, corpus.font_in_form_pdf()).code == "pdf_embedded_font"


@pytest.mark.parametrize("factory", [corpus.jbig2_pdf, corpus.jpx_pdf, corpus.inline_jpx_pdf])
def test_jbig2_and_jpeg_2000_images_are_refused(
    tmp_path: Path, factory: Callable[[], bytes]
) -> None:
    refused = _refusal(tmp_path, factory())
    assert (refused.code, refused.status) == ("pdf_image_codec", 422)


def test_standard_fonts_by_name_stay_accepted(tmp_path: Path) -> None:
    # Helvetica named, not embedded: the viewer draws it with its own font.
    output = _build(tmp_path, corpus.pdf_pages(2))
    assert len(PdfReader(output).pages) == 2


def test_the_proof_scan_also_finds_fonts_and_image_codecs() -> None:
    # The backstop that checks every object written, should the walk ever miss one.
    assert any(
        "/FontFile2" in found for found in scan_for_active_content(corpus.embedded_font_pdf())
    )
    assert any("/JPXDecode" in found for found in scan_for_active_content(corpus.jpx_pdf()))


class Flattened(BaseException):
    """pypdf started building its list of every page."""


@pytest.fixture
def no_flattening(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise Flattened

    monkeypatch.setattr(PdfReader, "_flatten", refuse)


@pytest.mark.usefixtures("no_flattening")
@pytest.mark.parametrize(
    "factory",
    [
        corpus.wide_page_tree,  # 40,000 leaves under a /Count of 1
        corpus.declared_page_count,  # /Count 1,000,000 over one leaf
        lambda: corpus.pdf_pages(31),
    ],
)
def test_the_page_limit_holds_before_the_page_tree_is_flattened(
    tmp_path: Path, factory: Callable[[], bytes]
) -> None:
    refused = _refusal(tmp_path, factory())
    assert (refused.code, refused.limit) == ("too_many_pages", "30")


def test_a_stream_deflated_twice_counts_both_stages(tmp_path: Path) -> None:
    refused = _refusal(tmp_path, corpus.double_flate_bomb())
    assert refused.code == "pdf_bomb"
