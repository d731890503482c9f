"""Turns a PDF into page images: each page rendered by pdfium (pypdfium2) at 150 dpi, encoded
as a JPEG and laid out by img2pdf on a page of the original's size. For the PDFs whose content
officers' viewers must not parse (embedded font programs, JBIG2 or JPEG 2000 images): what
reaches them is then only JPEG images and a content stream that draws them.

pdfium parses those fonts and codecs itself, so it runs only where a parser bug gains nothing:
inside the confined document worker (documents.isolation), after pypdf has checked the file
(page tree within the page limit, every stream within the inflate budget). Its shared library is
loaded with this module, which the worker imports before it confines itself."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import img2pdf
import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no type information shipped

from documents.convert import IMG2PDF_ENGINE
from documents.errors import DocumentRejected
from documents.limits import UploadLimits

RENDER_DPI = 150
JPEG_QUALITY = 85
_POINTS_PER_INCH = 72
# The longest side libjpeg (and so Pillow) writes a JPEG with.
_JPEG_MAX_SIDE = 65_500


def render_scale(width: float, height: float, max_pixels: int) -> float:
    """Pixels per point for a page of `width` x `height` points: 150 dpi, or less where that
    would exceed `max_pixels` or a JPEG's longest side (pdfium's bitmap is the rounded-up
    size)."""
    scale = min(RENDER_DPI / _POINTS_PER_INCH, (_JPEG_MAX_SIDE - 1) / max(width, height))
    if math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
        while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
            scale *= 0.999
    return scale


def rasterised_pages(data: bytes, pages: int, limits: UploadLimits) -> Iterator[bytes]:
    """Each page of the PDF `data`, in order, as a one-page PDF showing its image. `pages` is
    the count pypdf read from the page tree (already within the limit): a renderer that sees
    another number would draw another document, and the file is refused instead."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise DocumentRejected("pdf_damaged", detail=f"renderer: {error}") from error
    try:
        if len(document) != pages:
            raise DocumentRejected(
                "pdf_damaged", detail=f"renderer sees {len(document)} pages, not {pages}"
            )
        for index in range(pages):
            yield _page_pdf(document, index, limits)
    finally:
        document.close()


def _page_pdf(document: pdfium.PdfDocument, index: int, limits: UploadLimits) -> bytes:
    try:
        page = document[index]
    except pdfium.PdfiumError as error:
        raise DocumentRejected("pdf_damaged", detail=f"renderer, page {index}: {error}") from error
    try:
        # The size as shown: /Rotate applied, cropped to the crop box.
        width, height = page.get_size()
        if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
            raise DocumentRejected("pdf_damaged", detail=f"page {index} has no size")
        # No form fields are drawn (init_forms is never called) and no script runs: pdfium
        # shows what the page and its annotations' appearances draw.
        bitmap = page.render(
            scale=render_scale(width, height, limits.max_pixels), rev_byteorder=True
        )
        try:
            jpeg = io.BytesIO()
            bitmap.to_pil().save(jpeg, "JPEG", quality=JPEG_QUALITY)
        finally:
            bitmap.close()
    except pdfium.PdfiumError as error:
        raise DocumentRejected("pdf_damaged", detail=f"renderer, page {index}: {error}") from error
    finally:
        page.close()

    def original_size(*_: object) -> tuple[float, float, float, float]:
        return width, height, width, height

    pdf: bytes = img2pdf.convert(
        jpeg.getvalue(), layout_fun=original_size, engine=IMG2PDF_ENGINE, allow_oversized=True
    )
    return pdf
