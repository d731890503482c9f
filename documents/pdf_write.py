"""Writes the merged PDF straight from the parsed input objects (no pypdf writer and no cloning),
renumbering as it goes, and runs the active-content proof scan on every object just before its
bytes are written: nothing reaches the file without being scanned, and the file is hashed as
it is written."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any, BinaryIO, cast

from pypdf import PageObject
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from documents.convert import JpegPlacement
from documents.errors import DocumentRejected
from documents.pdf_open import UPWARD_KEYS, ObjectKey, encoded_data
from documents.sanitize import findings_in_object

__all__ = ["PdfOutput", "findings_in_object"]

_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_CATALOG_NUMBER = 1
_PAGE_TREE_NUMBER = 2
# Keys of a copied page that point into parts of its old file we do not copy.
_PAGE_KEYS_DROPPED = frozenset({"/Parent", "/StructParents"})
_COPY_CHUNK = 1024 * 1024


class _Sink:
    """pypdf's write_to_stream() target for the rare leaf types (strings, reals, booleans)."""

    __slots__ = ("write",)

    def __init__(self, parts: bytearray) -> None:
        self.write = parts.extend


class PdfOutput:
    """One output PDF: objects numbered in the order they are added, a page tree made by us,
    a classic cross-reference table. Every object passes findings_in_object() first."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()
        self._position = 0
        # Object number -> byte offset; 1 and 2 (catalog, page tree) are written last.
        self._offsets: dict[int, int] = {}
        self._next_number = _PAGE_TREE_NUMBER + 1
        self._page_numbers: list[int] = []
        self._names: dict[str, bytes] = {}
        # One buffer for every image copied: a fresh megabyte per chunk would be fresh pages
        # for the kernel to zero each time.
        self._copy_buffer = memoryview(bytearray(_COPY_CHUNK))
        self._emit(_HEADER)

    @property
    def pages(self) -> int:
        return len(self._page_numbers)

    def _emit(self, data: bytes | bytearray | memoryview) -> None:
        self._handle.write(data)
        self._digest.update(data)
        self._position += len(data)

    def add_pages(
        self, pages: Sequence[PageObject], objects: Mapping[ObjectKey, PdfObject | None]
    ) -> None:
        """Writes `pages` (in order) and `objects`, everything reachable from them (see
        pdf_open.reachable_objects), references renumbered into this file."""
        numbers: dict[ObjectKey, int] = {}
        for key in objects:
            numbers[key] = self._allocate()
        page_numbers = []
        for page in pages:
            reference = page.indirect_reference
            if reference is not None and (reference.idnum, reference.generation) in numbers:
                page_numbers.append(numbers[(reference.idnum, reference.generation)])
            else:
                # A page inlined in its /Kids array: pages must be indirect objects here.
                number = self._allocate()
                page_numbers.append(number)
                self._write_object(number, page, numbers, is_page=True)
        page_keys = {
            (page.indirect_reference.idnum, page.indirect_reference.generation)
            for page in pages
            if page.indirect_reference is not None
        }
        for key, obj in objects.items():
            self._write_object(numbers[key], obj, numbers, is_page=key in page_keys)
        self._page_numbers.extend(page_numbers)

    def add_jpeg_page(self, source: BinaryIO, placement: JpegPlacement) -> None:
        """One page showing the JPEG in the open file `source` (checked by
        convert.jpeg_placement), laid out as img2pdf does; its bytes are copied from the file in
        chunks, never held whole."""
        image_number, contents_number, page_number = (self._allocate() for _ in range(3))
        own = {(n, 0): n for n in (image_number, contents_number)}
        image = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Filter"): NameObject("/DCTDecode"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/ColorSpace"): NameObject(placement.colorspace),
                NameObject("/Width"): NumberObject(placement.width_px),
                NameObject("/Height"): NumberObject(placement.height_px),
            }
        )
        self._check(image, f"object {image_number}")
        descriptor = source.fileno()
        size = os.fstat(descriptor).st_size
        parts = bytearray(b"%d 0 obj\n" % image_number)
        self._dictionary(image, parts, own, is_page=False, stream_length=size)
        parts += b"\nstream\n"
        self._offsets[image_number] = self._position
        self._emit(parts)
        copied = 0
        while count := os.preadv(descriptor, [self._copy_buffer], copied):
            self._emit(self._copy_buffer[:count])
            copied += count
        if copied != size:
            raise DocumentRejected("processing_failed", detail="image changed while copied")
        self._emit(b"\nendstream\nendobj\n")
        contents = StreamObject()
        contents.set_data(
            b"q\n%.4f 0 0 %.4f 0 0 cm\n/Im0 Do\nQ" % (placement.page_width, placement.page_height)
        )
        self._write_object(contents_number, contents, own, is_page=False)
        page = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Page"),
                NameObject("/MediaBox"): ArrayObject(
                    [
                        NumberObject(0),
                        NumberObject(0),
                        FloatObject(placement.page_width),
                        FloatObject(placement.page_height),
                    ]
                ),
                NameObject("/Resources"): DictionaryObject(
                    {
                        NameObject("/XObject"): DictionaryObject(
                            {NameObject("/Im0"): IndirectObject(image_number, 0, None)}
                        )
                    }
                ),
                NameObject("/Contents"): IndirectObject(contents_number, 0, None),
            }
        )
        if placement.rotate:
            page[NameObject("/Rotate")] = NumberObject(placement.rotate)
        self._write_object(page_number, page, own, is_page=True)
        self._page_numbers.append(page_number)

    def _allocate(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def finish(self, version: str = "1.7") -> str:
        """Writes the page tree, catalog, xref table and trailer; returns the SHA-256 hex."""
        kids = ArrayObject(IndirectObject(number, 0, None) for number in self._page_numbers)
        tree = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): kids,
                NameObject("/Count"): NumberObject(len(self._page_numbers)),
            }
        )
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(_PAGE_TREE_NUMBER, 0, None),
            }
        )
        if version > "1.7":
            catalog[NameObject("/Version")] = NameObject(f"/{version}")
        own = {(number, 0): number for number in (*self._page_numbers, _PAGE_TREE_NUMBER)}
        self._write_object(_PAGE_TREE_NUMBER, tree, own, is_page=False)
        self._write_object(_CATALOG_NUMBER, catalog, own, is_page=False)
        size = self._next_number
        xref_at = self._position
        table = bytearray(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            table += b"%010d 00000 n \n" % self._offsets[number]
        trailer = DictionaryObject(
            {
                NameObject("/Size"): NumberObject(size),
                NameObject("/Root"): IndirectObject(_CATALOG_NUMBER, 0, None),
            }
        )
        self._check(trailer, "trailer")
        table += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            size,
            _CATALOG_NUMBER,
            xref_at,
        )
        self._emit(table)
        return self._digest.hexdigest()

    @staticmethod
    def _check(obj: PdfObject | None, where: str) -> None:
        findings = list(findings_in_object(obj, where)) if obj is not None else []
        if findings:
            raise DocumentRejected("unsafe_content", detail="; ".join(findings[:10]))

    def _write_object(
        self,
        number: int,
        obj: PdfObject | None,
        numbers: Mapping[ObjectKey, int],
        *,
        is_page: bool,
    ) -> None:
        # The proof scan: on exactly the object whose bytes follow.
        self._check(obj, f"object {number}")
        parts = bytearray(b"%d 0 obj\n" % number)
        data: bytes | None = None
        if isinstance(obj, StreamObject):
            data = encoded_data(obj)  # encoded (and already decrypted), written as they are
            if not isinstance(data, bytes):
                raise DocumentRejected("pdf_damaged", detail="stream without data")
            self._dictionary(obj, parts, numbers, is_page=False, stream_length=len(data))
        elif isinstance(obj, DictionaryObject):
            self._dictionary(obj, parts, numbers, is_page=is_page, stream_length=None)
        elif obj is None:
            parts += b"null"
        else:
            self._value(obj, parts, numbers)
        self._offsets[number] = self._position
        if data is None:
            parts += b"\nendobj\n"
            self._emit(parts)
        else:
            parts += b"\nstream\n"
            self._emit(parts)
            self._emit(data)
            self._emit(b"\nendstream\nendobj\n")

    def _name(self, name: str) -> bytes:
        encoded = self._names.get(name)
        if encoded is None:
            encoded = NameObject(name).renumber()
            self._names[name] = encoded
        return encoded

    def _dictionary(
        self,
        dictionary: DictionaryObject,
        parts: bytearray,
        numbers: Mapping[ObjectKey, int],
        *,
        is_page: bool,
        stream_length: int | None,
    ) -> None:
        parts += b"<<"
        for key, value in dictionary.items():
            if is_page and key in _PAGE_KEYS_DROPPED:
                continue
            if stream_length is not None and key == "/Length":
                continue
            if (
                key in UPWARD_KEYS
                and isinstance(value, IndirectObject)
                and (value.idnum, value.generation) not in numbers
            ):
                # The walk does not follow upward references: kept only as a link to an
                # object we copy anyway (an annotation's page), else dropped (another page
                # tree, a form field parent).
                continue
            parts += self._name(key)
            parts += b" "
            self._value(value, parts, numbers)
            parts += b"\n"
        if is_page:
            parts += b"/Parent %d 0 R\n" % _PAGE_TREE_NUMBER
        if stream_length is not None:
            parts += b"/Length %d\n" % stream_length
        parts += b">>"

    def _value(self, value: PdfObject, parts: bytearray, numbers: Mapping[ObjectKey, int]) -> None:
        if isinstance(value, NameObject):
            parts += self._name(value)
        elif isinstance(value, IndirectObject):
            number = numbers.get((value.idnum, value.generation))
            if number is None:
                # The walk follows every reference but upward ones: a miss is our bug.
                raise DocumentRejected(
                    "processing_failed", detail=f"unresolved reference {value.idnum}"
                )
            parts += b"%d 0 R" % number
        elif isinstance(value, NumberObject):
            parts += b"%d" % value
        elif isinstance(value, StreamObject):
            # A stream can only be an indirect object; a direct one is malformed input.
            raise DocumentRejected("pdf_damaged", detail="direct stream object")
        elif isinstance(value, DictionaryObject):
            self._dictionary(value, parts, numbers, is_page=False, stream_length=None)
        elif isinstance(value, ArrayObject):
            parts += b"["
            for item in value:
                self._value(item, parts, numbers)
                parts += b" "
            parts += b"]"
        else:
            # Strings, reals, booleans, null: pypdf's own encoding (escapes, number format).
            value.write_to_stream(cast("IO[Any]", _Sink(parts)))
