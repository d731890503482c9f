"""Turns an uploaded JPEG or PNG into a one-page PDF, checking its pixel count from the header
before anything is decoded. img2pdf embeds JPEG/PNG data as it is (fast, lossless); Pillow is
only the fallback for what img2pdf refuses (mirrored EXIF orientation, odd colour modes)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import img2pdf
from PIL import Image, ImageOps, UnidentifiedImageError

from documents.errors import DocumentRejected
from documents.limits import UploadLimits

# img2pdf picks pikepdf when it is installed (it is, as a dev-only benchmark tool), else its own
# writer: pinned so that tests, benchmarks and production run the same code without pikepdf.
IMG2PDF_ENGINE = img2pdf.Engine.internal


# A path, or an open file read from its start (what a confined worker has).
ImageSource = Path | BinaryIO


def _rewound(source: ImageSource) -> ImageSource:
    if not isinstance(source, Path):
        source.seek(0)
    return source


def check_image_pixels(source: ImageSource, limits: UploadLimits) -> tuple[int, int]:
    """The image's (width, height) read from its header; refuses it above limits.max_pixels."""
    with _header_checked(source, limits) as image:
        return image.size


@contextmanager
def _header_checked(source: ImageSource, limits: UploadLimits) -> Iterator[Image.Image]:
    """The image at `source` opened for its header only, after refusing it above
    limits.max_pixels."""
    # Pillow refuses to decode beyond MAX_IMAGE_PIXELS * 2 and warns above it; our own check
    # below is the real limit, this is the backstop for any decode that might slip past it.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(_rewound(source))  # reads the header only
    except Image.DecompressionBombError as error:
        raise _too_large(limits) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DocumentRejected("processing_failed", detail=f"image header: {error}") from error
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise DocumentRejected("processing_failed", detail="image has no pixels")
        if width * height > limits.max_pixels:
            raise _too_large(limits)
        yield image


def _too_large(limits: UploadLimits) -> DocumentRejected:
    return DocumentRejected("image_too_large", limit=f"{limits.max_pixels / 1_000_000:g}")


def image_to_pdf(source: ImageSource, limits: UploadLimits) -> bytes:
    """A one-page PDF (bytes) showing the image upright, after the pixel check."""
    check_image_pixels(source, limits)
    rewound = _rewound(source)
    data = rewound.read_bytes() if isinstance(rewound, Path) else rewound.read()
    try:
        pdf: bytes = img2pdf.convert(data, rotation=img2pdf.Rotation.auto, engine=IMG2PDF_ENGINE)
        return pdf
    except MemoryError:
        raise
    except Exception:  # noqa: S110 - img2pdf refuses many valid images; fall back
        pass
    return img2pdf.convert(  # type: ignore[no-any-return]
        _normalised_with_pillow(data, limits), engine=IMG2PDF_ENGINE
    )


def _normalised_with_pillow(data: bytes, limits: UploadLimits) -> bytes:
    """The image re-encoded as an upright 8-bit RGB or greyscale PNG img2pdf always accepts."""
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except Image.DecompressionBombError as error:
        raise _too_large(limits) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DocumentRejected("processing_failed", detail=f"image decode: {error}") from error
    image = _flatten_mode(image)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _flatten_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale down to 8 bits rather than clipping.
        return image.point(lambda value: value / 256).convert("L")
    if "A" in image.mode or image.mode == "PA":
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


@dataclass(frozen=True, slots=True)
class JpegPlacement:
    """How img2pdf would place a plain JPEG on a page, read from its header only."""

    width_px: int
    height_px: int
    colorspace: str  # "/DeviceRGB" or "/DeviceGray"
    page_width: float  # points
    page_height: float
    rotate: int  # the page's /Rotate from the EXIF orientation


_PLAIN_JPEG_COLOURS = {img2pdf.Colorspace.RGB: "/DeviceRGB", img2pdf.Colorspace.L: "/DeviceGray"}


def jpeg_placement(source: ImageSource, limits: UploadLimits) -> JpegPlacement | None:
    """For a JPEG that img2pdf would embed as it is (RGB or greyscale, no ICC profile, upright
    or turned by its EXIF orientation): the same layout img2pdf computes, so that the caller
    can copy the JPEG's bytes from the file into the PDF without holding them in memory.
    None for anything else: image_to_pdf() handles it. After the pixel check, on the same
    opened header."""
    with _header_checked(source, limits) as image:
        if image.format != "JPEG":
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                colour, dpi, width, height, rotation, icc = img2pdf.get_imgmetadata(
                    image,
                    img2pdf.ImageFormat.JPEG,
                    img2pdf.default_dpi,
                    None,
                    None,
                    img2pdf.Rotation.auto,
                )
        except Exception:  # mirrored orientation, odd headers: the general path decides
            return None
    colorspace = _PLAIN_JPEG_COLOURS.get(colour)
    if icc is not None or colorspace is None or width * height > limits.max_pixels:
        return None
    page_width, page_height, _, _ = img2pdf.default_layout_fun(width, height, dpi)
    return JpegPlacement(
        width, height, colorspace, float(page_width), float(page_height), int(rotation)
    )
