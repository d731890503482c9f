"""Turns an uploaded JPEG or PNG into a one-page PDF, checking its pixel count from the header
before anything is decoded. img2pdf embeds JPEG/PNG data as it is (fast, lossless); Pillow is
only the fallback for what img2pdf refuses (mirrored EXIF orientation, odd colour modes)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import img2pdf
from PIL import Image, ImageOps, UnidentifiedImageError

from documents.errors import DocumentRejected
from documents.limits import UploadLimits

# img2pdf picks pikepdf when it is installed (it is, as a dev-only benchmark tool), else its own
# writer: pinned so that tests, benchmarks and production run the same code without pikepdf.
_ENGINE = img2pdf.Engine.internal


def check_image_pixels(path: Path, limits: UploadLimits) -> tuple[int, int]:
    """The image's (width, height) read from its header; refuses it above limits.max_pixels."""
    # Pillow refuses to decode beyond MAX_IMAGE_PIXELS * 2 and warns above it; our own check
    # below is the real limit, this is the backstop for any decode that might slip past it.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header only
                width, height = image.size
    except Image.DecompressionBombError as error:
        raise _too_large(limits) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DocumentRejected("processing_failed", detail=f"image header: {error}") from error
    if width <= 0 or height <= 0:
        raise DocumentRejected("processing_failed", detail="image has no pixels")
    if width * height > limits.max_pixels:
        raise _too_large(limits)
    return width, height


def _too_large(limits: UploadLimits) -> DocumentRejected:
    return DocumentRejected("image_too_large", limit=f"{limits.max_pixels / 1_000_000:g}")


def image_to_pdf(path: Path, limits: UploadLimits) -> bytes:
    """A one-page PDF (bytes) showing the image upright, after the pixel check."""
    check_image_pixels(path, limits)
    data = path.read_bytes()
    try:
        pdf: bytes = img2pdf.convert(data, rotation=img2pdf.Rotation.auto, engine=_ENGINE)
        return pdf
    except MemoryError:
        raise
    except Exception:  # noqa: S110 - img2pdf refuses many valid images; fall back
        pass
    return img2pdf.convert(  # type: ignore[no-any-return]
        _normalised_with_pillow(data, limits), engine=_ENGINE
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
