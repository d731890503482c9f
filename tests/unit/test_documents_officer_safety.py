"""What officers open (issue 16, item 9): no applicant font program and no JBIG2 or JPEG 2000
image reaches their PDF viewer: such PDFs are stored as page images; the page limit holds
before pypdf flattens a page tree, and a stream deflated twice counts both stages against the
inflate budget, whether the file is rasterised or not."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.errors import DocumentRejected
from documents.limits import UploadLimits
from documents.merge import build_document_pdf
from documents.rasterise import rasterised_pages, render_scale
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


def _page_sizes(reader: PdfReader) -> list[tuple[int, int]]:
    """Each page's size in whole points (img2pdf gives a page beyond 14,400 points, a PDF
    viewer's limit, a /UserUnit)."""
    return [
        (round(page.mediabox.width * page.user_unit), round(page.mediabox.height * page.user_unit))
        for page in reader.pages
    ]


def _image_pixels(reader: PdfReader) -> list[int]:
    pixels = []
    for page in reader.pages:
        for image in page["/Resources"]["/XObject"].values():
            image = image.get_object()
            pixels.append(int(image["/Width"]) * int(image["/Height"]))
    return pixels


@pytest.mark.parametrize("case", sorted(corpus.RASTERISED_CASES))
def test_fonts_and_jbig2_or_jpx_images_are_rasterised(tmp_path: Path, case: str) -> None:
    factory, pages = corpus.RASTERISED_CASES[case]
    original = factory()
    assert corpus.image_only_findings(original)  # the case is worth rasterising
    output = _build(tmp_path, original)
    stored = output.read_bytes()
    assert corpus.image_only_findings(stored) == []
    assert len(PdfReader(output, strict=True).pages) == pages
    assert scan_for_active_content(stored) == []


def test_a_word_processor_pdf_is_rasterised_page_by_page(tmp_path: Path) -> None:
    original = corpus.chromium_pdf()
    if original is None:
        pytest.skip("chromium is not installed")
    assert corpus.font_programs(original)  # Chromium embeds its TrueType subsets
    source = tmp_path / "letter.pdf"
    source.write_bytes(original)
    output = tmp_path / "out.pdf"
    built = build_document_pdf([source], output)
    stored = output.read_bytes()
    assert corpus.font_programs(stored) == [] and corpus.image_only_findings(stored) == []
    before, after = PdfReader(source), PdfReader(output)
    assert built.pages == len(after.pages) == len(before.pages) == corpus.CHROMIUM_PAGES
    assert _page_sizes(after) == _page_sizes(before)
    # 150 dpi: a letter page is 1275 x 1650 pixels.
    assert _image_pixels(after) == pytest.approx([1275 * 1650] * corpus.CHROMIUM_PAGES, rel=0.01)


def test_rasterised_pages_keep_their_order_and_size(tmp_path: Path) -> None:
    reader = PdfReader(_build(tmp_path, corpus.embedded_font_pages_pdf()))
    assert _page_sizes(reader) == corpus.FONT_PAGE_SIZES


def test_a_page_beyond_the_pixel_limit_is_rendered_smaller(tmp_path: Path) -> None:
    limits = UploadLimits(max_pixels=2_000_000)
    source = tmp_path / "in.pdf"
    source.write_bytes(corpus.embedded_font_poster_pdf())
    output = tmp_path / "out.pdf"
    build_document_pdf([source], output, limits)
    reader = PdfReader(output)
    (pixels,) = _image_pixels(reader)
    assert 1_900_000 < pixels <= 2_000_000
    assert _page_sizes(reader) == [(4000, 4000)]


def test_a_page_longer_than_a_jpeg_can_be_is_rendered_shorter(tmp_path: Path) -> None:
    # 3 x 5,000,000 points: within the pixel limit only as a strip longer than libjpeg writes.
    reader = PdfReader(_build(tmp_path, corpus.embedded_font_poster_pdf(3, 5_000_000)))
    (image,) = reader.pages[0]["/Resources"]["/XObject"].values()
    assert image.get_object()["/Height"] <= 65_500
    assert _page_sizes(reader) == [(3, 5_000_000)]


@pytest.mark.parametrize(
    ("width", "height"),
    [(612, 792), (4000, 4000), (14_400, 14_400), (1_000_000, 10), (3, 50_000_000), (0.5, 0.5)],
)
def test_render_sizes_stay_within_the_pixel_limit_and_a_jpeg(width: float, height: float) -> None:
    scale = render_scale(width, height, UploadLimits().max_pixels)
    columns, rows = math.ceil(width * scale), math.ceil(height * scale)
    assert columns * rows <= UploadLimits().max_pixels
    assert max(columns, rows) <= 65_500  # libjpeg refuses to write more
    assert scale <= 150 / 72


def test_what_the_renderer_cannot_open_is_refused_as_unreadable() -> None:
    with pytest.raises(DocumentRejected) as caught:
        list(rasterised_pages(b"%PDF-1.7\nnot a document", 1, UploadLimits()))
    assert (caught.value.code, caught.value.status) == ("pdf_damaged", 422)


def test_a_file_the_renderer_reads_otherwise_is_refused(tmp_path: Path) -> None:
    # The root declares 3 pages over 2: pypdf reads 2, pdfium believes 3. Refused, never
    # rendered as a different document from the one checked.
    refused = _refusal(tmp_path, corpus.embedded_font_miscounted_pages())
    assert (refused.code, refused.status) == ("pdf_damaged", 422)
    assert refused.detail == "renderer sees 3 pages, not 2"


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
        corpus.embedded_font_wide_page_tree,  # the same, with a font: refused, not rendered
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


def test_a_bomb_with_a_font_is_refused_before_it_is_rendered(tmp_path: Path) -> None:
    refused = _refusal(tmp_path, corpus.embedded_font_flate_bomb())
    assert refused.code == "pdf_bomb"
