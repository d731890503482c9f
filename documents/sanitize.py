"""Removes active content (JavaScript, launch and submit actions, embedded files, rich media,
XFA, automatic actions) from the pages we copy, and proves afterwards, by scanning every
object of the written file, that none of it survived."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    read_object,
)

from documents.errors import DocumentRejected

# Keys removed from every dictionary: scripts, automatic actions, attachments, forms logic.
BLOCKED_KEYS = frozenset(
    {
        "/AA",
        "/OpenAction",
        "/JS",
        "/JavaScript",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/XFA",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/Next",
    }
)
# Action types a stored document may keep: moving inside the document and plain web links.
SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
# Action types the output scan looks for (everything is stripped, these are proof of failure).
FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/RichMediaExecute",
        "/GoToE",
        "/GoToR",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/GoTo3DView",
    }
)
BLOCKED_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
)
_ACTION_KEYS = ("/A", "/PA")

# Never passed on: programs for parsers in officers' PDF viewers with long histories of
# exploitable bugs (font engines such as FreeType; JBIG2 and JPEG 2000 decoders). Stripping a
# font program would leave text unreadable (Identity-H text needs its font), so a PDF holding
# any of them is rasterised (documents.rasterise) and the output scan refuses them as a backstop.
FONT_PROGRAM_KEYS = frozenset({"/FontFile", "/FontFile2", "/FontFile3"})
REFUSED_IMAGE_CODECS = frozenset({"/JBIG2Decode", "/JPXDecode"})


def _resolve(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _is_safe_action(action: PdfObject | None) -> bool:
    if not isinstance(action, DictionaryObject):
        return False
    kind = action.get("/S")
    if kind not in SAFE_ACTIONS:
        return False
    if kind == "/URI":
        uri = action.get("/URI")
        text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
        return text.strip().lower().startswith(SAFE_URI_SCHEMES)
    return True


def _filter_names(item: DictionaryObject) -> list[str]:
    filters = _resolve(item.raw_get("/Filter")) if "/Filter" in item else None
    if isinstance(filters, ArrayObject):
        return [str(_resolve(name)) for name in filters]
    return [] if filters is None else [str(filters)]


def foreign_programs(item: DictionaryObject) -> Iterator[str]:
    """What font program or JBIG2 or JPEG 2000 image one dictionary holds."""
    for key in sorted(FONT_PROGRAM_KEYS.intersection(item.keys())):
        yield f"key {key}"
    if isinstance(item, StreamObject):
        for name in _filter_names(item):
            if name in REFUSED_IMAGE_CODECS:
                yield f"image codec {name}"


# An inline image's dictionary in a content stream: BI, its keys and values, ID. Bounded: a
# real one is a few dozen bytes.
_INLINE_IMAGE = re.compile(rb"\bBI\b(.{0,4096}?)\bID\b", re.DOTALL)
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]*)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def inline_image_codecs(stream: StreamObject) -> Iterator[str]:
    """The JBIG2 or JPEG 2000 images a content stream shows inline (BI ... ID ... EI), with
    their filter's name as any reader reads it (#-escapes undone). Decodes the stream: call it
    after the inflate budget has counted it."""
    if stream.get("/Subtype") == "/Image":
        return
    data = stream.get_data()
    if b"BI" not in data:
        return
    for header in _INLINE_IMAGE.finditer(data):
        for name in _NAME.findall(header.group(1)):
            plain = _NAME_ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), name)
            if b"/" + plain in _REFUSED_CODEC_BYTES:
                yield f"inline image {plain!r}"


_REFUSED_CODEC_BYTES = frozenset(name.encode() for name in REFUSED_IMAGE_CODECS)


def strip_active_content(item: DictionaryObject | ArrayObject) -> None:
    """Cleans one dictionary in place (arrays need nothing by themselves)."""
    if not isinstance(item, DictionaryObject):
        return
    for key in BLOCKED_KEYS.intersection(item.keys()):
        del item[key]
    for key in _ACTION_KEYS:
        if key in item and not _is_safe_action(_resolve(item.raw_get(key))):
            del item[key]
    if item.get("/S") in FORBIDDEN_ACTIONS or (
        item.get("/S") == "/URI" and not _is_safe_action(item)
    ):
        # An action reachable some other way (a names tree, a dictionary entry we do not
        # know): empty it so that no reader can run it.
        item.clear()
    annotations = _resolve(item.raw_get("/Annots")) if "/Annots" in item else None
    if isinstance(annotations, ArrayObject):
        kept = ArrayObject(
            reference
            for reference in annotations
            if not (
                isinstance(annotation := _resolve(reference), DictionaryObject)
                and annotation.get("/Subtype") in BLOCKED_ANNOTATIONS
            )
        )
        if len(kept) != len(annotations):
            item[NameObject("/Annots")] = kept


_CONTAINERS = (DictionaryObject, ArrayObject)


def _is_name(value: PdfObject | None, name: str) -> bool:
    return isinstance(value, str) and value == name


# Keys whose mere presence is a finding (/Next only chains actions, which are findings).
_FOUND_KEYS = BLOCKED_KEYS - {"/Next"}


def findings_in_object(item: PdfObject, where: str) -> Iterator[str]:
    """Active content in one object and its direct (non-indirect) children: the proof scan,
    run on every object we write and by scan_for_active_content() on a written file."""
    stack: list[PdfObject] = [item]
    while stack:
        current = stack.pop()
        if isinstance(current, DictionaryObject):
            if not _FOUND_KEYS.isdisjoint(current):
                for key in sorted(_FOUND_KEYS.intersection(current)):
                    yield f"{where}: key {key}"
            for what in foreign_programs(current):
                yield f"{where}: {what}"
            # Resolved: a name behind an indirect reference is still that name to a viewer.
            kind = _resolve(current.raw_get("/S")) if "/S" in current else None
            if isinstance(kind, str) and kind in FORBIDDEN_ACTIONS:
                yield f"{where}: action {kind}"
            subtype = _resolve(current.raw_get("/Subtype")) if "/Subtype" in current else None
            if isinstance(subtype, str) and subtype in BLOCKED_ANNOTATIONS:
                yield f"{where}: {subtype}"
            elif "/Type" in current and _is_name(
                _resolve(current.raw_get("/Type")), "/EmbeddedFile"
            ):
                yield f"{where}: /EmbeddedFile"
            if _is_name(kind, "/URI"):
                uri = _resolve(current.raw_get("/URI"))
                text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
                if not text.strip().lower().startswith(SAFE_URI_SCHEMES):
                    yield f"{where}: unsafe URI"
            stack.extend(value for value in current.values() if isinstance(value, _CONTAINERS))
        elif isinstance(current, ArrayObject):
            stack.extend(value for value in current if isinstance(value, _CONTAINERS))


def scan_for_active_content(pdf: bytes | Path | BinaryIO) -> list[str]:
    """What active content (or font program, or refused image codec) the PDF still holds,
    looking at EVERY object in its cross-reference table and every object packed in its object
    streams (not only those reachable from the pages). An empty list means clean."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf, strict=True)
    found: list[str] = list(findings_in_object(reader.trailer, "trailer"))
    for generation, entries in reader.xref.items():
        for idnum in entries:
            obj = reader.get_object(IndirectObject(idnum, generation, reader))
            if obj is None:
                continue
            found.extend(findings_in_object(obj, f"object {idnum}"))
            if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
                for number, packed in objects_in_object_stream(obj, reader):
                    found.extend(findings_in_object(packed, f"object {number} in {idnum}"))
    return found


def objects_in_object_stream(
    stream: StreamObject, reader: PdfReader
) -> Iterator[tuple[int, PdfObject]]:
    """(object number, object) of every object an object stream holds, as its header lists
    them, whatever the cross-reference table says about those numbers: the scan wants what is
    in the file, including an object a later update replaced. A header that does not describe
    its data fails the scan (PdfReadError): what we cannot read, we cannot call clean."""
    data = stream.get_data()
    count, first = stream.get("/N"), stream.get("/First")
    if not isinstance(count, int) or not isinstance(first, int) or not 0 <= first <= len(data):
        raise PdfReadError("object stream without a usable /N and /First")
    header = data[:first].split()
    if count < 0 or len(header) < 2 * count or not all(item.isdigit() for item in header):
        raise PdfReadError("object stream header does not list its /N objects")
    body = io.BytesIO(data)
    for index in range(count):
        body.seek(first + int(header[2 * index + 1]))
        yield int(header[2 * index]), read_object(body, reader)


def ensure_no_active_content(pdf: bytes | Path | BinaryIO) -> None:
    findings = scan_for_active_content(pdf)
    if findings:
        raise DocumentRejected("unsafe_content", detail="; ".join(findings[:10]))
