"""Opens an untrusted PDF with pypdf: refuses user passwords, cyclic page trees and streams that
would inflate beyond the budget, and turns every parser failure into a DocumentRejected."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.filters import decode_stream_data
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from documents.errors import DocumentRejected
from documents.limits import UploadLimits

# Exceptions pypdf lets escape on malformed input besides its own family (NotImplementedError:
# a filter it does not know, such as a damaged name).
PARSER_FAILURES: tuple[type[BaseException], ...] = (
    PyPdfError,
    NotImplementedError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    AssertionError,
    RecursionError,
    UnicodeError,
    zlib.error,
    EOFError,
    OverflowError,
)

_FLATE = {"/FlateDecode", "/Fl"}
# Image codecs do not "inflate" in the bomb sense: we count their encoded size.
_PASS_THROUGH = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
_INFLATE_CHUNK = 1 << 20


@contextmanager
def pdf_failures_rejected(limits: UploadLimits) -> Iterator[None]:
    """pypdf limits set to our budget; its exceptions mapped to rejection codes."""
    budget = limits.max_inflated_bytes
    try:
        with apply_configuration(
            zlib_maximum_output_length=budget,
            lzw_maximum_output_length=budget,
            run_length_maximum_output_length=budget,
            array_based_stream_maximum_output_length=budget,
            jbig2_maximum_output_length=budget,
            brotli_maximum_output_length=budget,
            # A declared /Length may not exceed the largest file we accept at all.
            maximum_declared_stream_length=limits.max_file_bytes,
        ):
            yield
    except DocumentRejected:
        raise
    except FileNotDecryptedError as error:
        raise DocumentRejected("pdf_password_protected", detail=str(error)) from error
    except LimitReachedError as error:
        # A declared /Length beyond any file we accept is damage, not compression.
        code = "pdf_damaged" if str(error).startswith("Declared stream length") else "pdf_bomb"
        raise DocumentRejected(code, detail=str(error)) from error
    except PARSER_FAILURES as error:
        raise DocumentRejected("pdf_damaged", detail=f"{type(error).__name__}: {error}") from error


def open_untrusted_pdf(source: BinaryIO, limits: UploadLimits, pages_left: int) -> PdfReader:
    """pypdf's strict reader on the open file `source` (read from its start into memory, as
    pypdf does with a path: its many small reads are slow on a file), decrypted if only an
    owner password is set, after checking its page tree: no cycle, and no more than
    `pages_left` pages, counted before pypdf builds a page object for each of them. Call inside
    pdf_failures_rejected(); close it when done with its objects (which frees them and the
    file's bytes)."""
    source.seek(0)
    data = source.read()
    if not data:
        raise DocumentRejected("empty_file")
    reader = PdfReader(io.BytesIO(data), strict=True)
    # An owner password alone (the empty user password opens it) is only a permission flag:
    # we accept the file and store it unencrypted.
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentRejected("pdf_password_protected")
    if check_page_tree(reader, pages_left) > pages_left:
        raise limits.too_many_pages()
    return reader


def check_page_tree(reader: PdfReader, max_pages: int) -> int:
    """The number of pages read from the page tree itself, not from pypdf's page list (which
    flattens the whole tree first, however large): the root's declared /Count when it is above
    `max_pages`, else the leaves walked, stopping at `max_pages` + 1. Refuses a page tree that
    loops back on itself."""
    root = reader.trailer["/Root"]
    if not isinstance(root, DictionaryObject):
        raise DocumentRejected("pdf_damaged", detail="no catalog")
    pages_ref = root.raw_get("/Pages")
    pages_root = pages_ref.get_object() if pages_ref is not None else None
    declared = pages_root.get("/Count") if isinstance(pages_root, DictionaryObject) else None
    if isinstance(declared, int) and declared > max_pages:
        # What a viewer may believe and allocate for; the file says it is too long.
        return declared
    seen: set[int] = set()
    stack: list[PdfObject] = [pages_ref]
    count = 0
    while stack:
        node_ref = stack.pop()
        if isinstance(node_ref, IndirectObject):
            if node_ref.idnum in seen:
                raise DocumentRejected("pdf_damaged", detail="cyclic page tree")
            seen.add(node_ref.idnum)
        node = node_ref.get_object()
        if not isinstance(node, DictionaryObject):
            raise DocumentRejected("pdf_damaged", detail="page tree node is not a dictionary")
        kids = node.get("/Kids")
        if node.get("/Type") == "/Pages" or kids is not None:
            if not isinstance(kids, ArrayObject):
                raise DocumentRejected("pdf_damaged", detail="page tree node without kids")
            stack.extend(kids)
        else:
            count += 1
            if count > max_pages:
                return count
    if count == 0:
        raise DocumentRejected("pdf_damaged", detail="no pages")
    return count


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def encoded_data(stream: StreamObject) -> bytes:
    """The stream's bytes as they are in the file (decrypted, not decoded). pypdf has no public
    getter for them (get_data() decodes); StreamObject keeps them in `_data`, as its own
    documentation says."""
    return stream._data


class InflateBudget:
    """Counts the decoded size of streams against one file's budget, stopping at the limit
    instead of decoding a bomb in full."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def _spend(self, amount: int) -> None:
        self.used += amount
        if self.used > self.limit:
            raise DocumentRejected("pdf_bomb", detail=f"streams inflate beyond {self.limit}")

    def count_stream(self, stream: StreamObject) -> None:
        filters = _resolved(stream.get("/Filter"))
        names: list[str]
        if filters is None:
            names = []
        elif isinstance(filters, ArrayObject):
            names = [str(_resolved(item)) for item in filters]
        else:
            names = [str(filters)]
        raw = encoded_data(stream)  # encoded (already decrypted) bytes
        if not names or names[0] in _PASS_THROUGH:
            self._spend(len(raw))
        elif len(names) == 1 and names[0] in _FLATE:
            # The common case, counted while inflating, without keeping the output.
            self._count_flate(raw)
        else:
            self._count_stages(stream, names, raw)

    def _count_stages(self, stream: StreamObject, names: list[str], raw: bytes) -> None:
        """A chain of filters (e.g. [/FlateDecode /FlateDecode], or LZW, ASCII85...): every
        stage is decoded as a viewer would decode it, and every stage's output is counted,
        so that a bomb hidden behind a first small stage is counted in full. pypdf decodes each
        stage under the limits pdf_failures_rejected() sets to the same budget."""
        parameters = _resolved(stream.get("/DecodeParms"))
        if not isinstance(parameters, ArrayObject):
            parameters = ArrayObject([parameters] * len(names))
        data = raw
        for name, parameter in zip(names, parameters, strict=False):
            if name in _PASS_THROUGH:
                # An image codec ends the chain: its input is what it costs.
                return
            stage = StreamObject()
            stage._data = data
            stage[NameObject("/Filter")] = NameObject(name)
            if isinstance(_resolved(parameter), DictionaryObject):
                stage[NameObject("/DecodeParms")] = _resolved(parameter)
            data = decode_stream_data(stage)
            self._spend(len(data))

    def _count_flate(self, raw: bytes) -> None:
        decompressor = zlib.decompressobj()
        pending = raw
        try:
            while pending:
                output = decompressor.decompress(pending, _INFLATE_CHUNK)
                self._spend(len(output))
                pending = decompressor.unconsumed_tail
                if decompressor.eof:
                    break
            if not decompressor.eof:
                self._spend(len(decompressor.flush()))
        except zlib.error:
            # Corrupt data decodes to what came before the damage in every reader.
            return


# Keys never followed while walking from a page: they lead up the tree to other pages.
UPWARD_KEYS = frozenset({"/Parent", "/P"})

# An indirect object of one reader: (object number, generation).
ObjectKey = tuple[int, int]


def reachable_objects(
    pages: Sequence[PageObject], visit: Callable[[DictionaryObject | ArrayObject], None]
) -> dict[ObjectKey, PdfObject | None]:
    """Every indirect object reachable from `pages`, pages first, as the objects to copy (not
    following /Parent or /P references, which go up the page tree). visit() sees each
    dictionary and array once, BEFORE its children are followed, so what it removes is never
    reached. A page is represented by pypdf's
    flattened copy (inherited attributes filled in), under its own object number, so that links
    to it reach the copy."""
    found: dict[ObjectKey, PdfObject | None] = {}
    for page in pages:
        reference = page.indirect_reference
        if reference is not None:
            found.setdefault((reference.idnum, reference.generation), page)
    stack: list[PdfObject | None] = list(pages)
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in found:
                continue
            item = item.get_object()
            found[key] = item
        if isinstance(item, DictionaryObject):
            visit(item)
            for key_name, value in item.items():
                if isinstance(value, IndirectObject):
                    # Upward references lead to other pages and page-tree nodes; a direct
                    # value under the same key is part of this object and is cleaned with it.
                    if key_name not in UPWARD_KEYS:
                        stack.append(value)
                elif isinstance(value, (DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            visit(item)
            stack.extend(
                value
                for value in item
                if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject))
            )
    return found
