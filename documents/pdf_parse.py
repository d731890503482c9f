"""A PdfReader that parses the plain objects most PDFs are made of quickly, and everything else
exactly as pypdf does, because pypdf does it.

pypdf reads an object a byte at a time in Python; for the pages, images and fonts of an upload
that costs more than all our checks together. FastPdfReader reads those objects with one regular
expression per token and builds them with pypdf's own constructors, so the result is the object
pypdf would have built. It only takes what it is sure of: dictionaries, arrays, names without
'#' escapes, plain numbers, references, booleans, null, hex strings, literal strings without
escapes or parentheses, and streams whose /Length and 'endstream' agree, in an uncompressed,
unencrypted object at the offset the cross-reference table gives. On anything else (comments,
escapes, odd whitespace such as NUL, a header that does not match, a limit, an encrypted file,
an object stream) it declines before building anything and pypdf parses the object from
scratch: pypdf's strict rules, limits, errors and repairs stay the only ones.

It reads a few of PdfReader's attributes (xref tables, the objects being resolved, encryption)
as PdfReader.get_object() does; tests/unit/test_documents_pdf_parse.py compares it with pypdf
itself, object by object, so a pypdf upgrade that changes them fails there first.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader, get_configuration
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    create_string_object,
)

# Whitespace every pypdf rule agrees on: its token readers also skip NUL and its reference
# pattern also skips vertical tab, but not both, so either makes us decline.
_WS = rb"[ \t\n\r\f]"
# Bytes pypdf skips after a dictionary before looking for 'stream', and before 'endstream'.
_PYPDF_WHITESPACE = rb"[\x00\t\n\f\r ]*"
# Printable ASCII but the delimiters ()<>[]{}/% and the escape #: a name pypdf reads the same.
_NAME_CHAR = rb"[!\"$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]"

_TOKEN = re.compile(
    _WS + rb"*(?:"
    # pypdf's own reference pattern, without its sign and its vertical tab.
    rb"(?P<ref>(?P<idnum>\d+)" + _WS + rb"+(?P<gen>\d+)" + _WS + rb"+R)(?=[^a-zA-Z])"
    # pypdf reads a number as the longest run of these characters, whatever it means.
    rb"|(?P<number>[0-9+\-.][0-9+,\-.]*)"
    rb"|(?P<name>/" + _NAME_CHAR + rb"+)"
    rb"|(?P<open><<|\[)"
    rb"|(?P<close>>>|\])"
    rb"|(?P<keyword>true|false|null)"
    rb"|<(?P<hex>[0-9A-Fa-f \t\n\r\f]*)>"
    rb"|\((?P<literal>[^\\()]*)\)"
    rb")"
)
_HEADER = re.compile(rb"(\d+)" + _WS + rb"+(\d+)" + _WS + rb"+obj")
_INTEGER = re.compile(rb"[+-]?[0-9]+")
_REAL = re.compile(rb"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_HEX_WHITESPACE = re.compile(rb"[ \t\n\r\f]")
_STREAM_KEYWORD = re.compile(_PYPDF_WHITESPACE + rb"stream")
_ENDSTREAM = re.compile(_PYPDF_WHITESPACE + rb"endstream")
_END_OF_OBJECT = re.compile(_WS + rb"*endobj")
# pypdf looks 20 bytes ahead for "n g R" and the character after it.
_REFERENCE_WINDOW = 20
# Longer numbers and names go to pypdf, which applies its own length limits to them.
_MAX_NUMBER = 19
_MAX_NAME = 127
# Deeper nesting goes to pypdf, whose recursion limit decides.
_MAX_DEPTH = 64


class _StreamInFile(StreamObject):
    """A stream whose encoded bytes stay a view of the file's bytes, so that counting and writing
    them takes no copy (and no fresh memory: a copy of every image would be most of the memory a
    build touches). pypdf code that reads `_data` gets bytes as always, copied on first use."""

    _in_file: memoryview | None = None
    _copied: bytes = b""

    @property
    def _data(self) -> bytes:
        if self._in_file is not None:
            self._copied = bytes(self._in_file)
            self._in_file = None
        return self._copied

    @_data.setter
    def _data(self, value: bytes) -> None:
        self._copied = value
        self._in_file = None


class _EncodedStreamInFile(_StreamInFile, EncodedStreamObject):
    pass


class _DecodedStreamInFile(_StreamInFile, DecodedStreamObject):
    pass


def encoded_data(stream: StreamObject) -> bytes | memoryview:
    """The stream's encoded bytes as they are in the file: a view when they still are there."""
    if isinstance(stream, _StreamInFile) and stream._in_file is not None:
        return stream._in_file
    return stream._data


class _Declined(Exception):
    """Not an object the fast path is sure of: pypdf parses it."""


class FastPdfReader(PdfReader):
    """A strict PdfReader over the whole file in memory (as PdfReader(path) holds it)."""

    # None while pypdf reads the cross-reference table (it may resolve objects already).
    _buffer: bytes | None = None

    def __init__(self, path: Path) -> None:
        # As PdfReader(path) does. The stream is the only holder of the bytes while pypdf
        # reads (so that its getbuffer() calls do not copy them); getvalue() then hands us the
        # same bytes object, not a copy.
        stream = io.BytesIO(path.read_bytes())
        super().__init__(stream, strict=True)
        self._buffer = stream.getvalue()

    def close(self) -> None:
        """pypdf's close (which drops the parsed objects, so that they are freed by reference
        counting once the caller lets go of them) and the file's bytes."""
        super().close()
        self.stream.close()
        self._buffer = None

    def get_object(self, indirect_reference: int | IndirectObject) -> PdfObject | None:
        if self._buffer is None or not isinstance(indirect_reference, IndirectObject):
            return super().get_object(indirect_reference)
        idnum, generation = indirect_reference.idnum, indirect_reference.generation
        key = (generation, idnum)
        if key in self.resolved_objects:
            return self.resolved_objects[key]
        current = (idnum, generation)
        offsets = self.xref.get(generation)
        start = offsets.get(idnum) if offsets is not None else None
        if (
            self._encryption is not None
            or not isinstance(start, int)
            or (generation == 0 and idnum in self.xref_objStm)
            or self.xref_free_entry.get(generation, {}).get(idnum, False)
            or current in self._known_objects
        ):
            return super().get_object(indirect_reference)
        # As pypdf does: a stream whose /Length refers back to its own object is a loop.
        self._known_objects.add(current)
        try:
            found = self._object_at(start, idnum, generation)
        except _Declined:
            found = None
        finally:
            self._known_objects.discard(current)
        if found is None:
            return super().get_object(indirect_reference)
        return self.cache_indirect_object(generation, idnum, found)

    def _object_at(self, start: int, idnum: int, generation: int) -> PdfObject:
        buffer = self._buffer
        assert buffer is not None
        header = _HEADER.match(buffer, start)
        if header is None or (int(header[1]), int(header[2])) != (idnum, generation):
            raise _Declined
        token = _TOKEN.match(buffer, header.end())
        if token is None:
            raise _Declined
        if token.lastgroup != "open" or token["open"] != b"<<":
            found, end = self._value(token, 0)
            # Inside a dictionary or an array the next token shows where pypdf would have ended
            # this one (a number that is the start of "+1 0 R", a name going on after '#'); at
            # the top level only 'endobj' after whitespace does.
            if not isinstance(found, ArrayObject) and _END_OF_OBJECT.match(buffer, end) is None:
                raise _Declined
            return found
        data, end = self._dictionary(token.end(), 0)
        stream = _STREAM_KEYWORD.match(buffer, end)
        if stream is None:
            dictionary = DictionaryObject()
            dictionary.update(data)
            return dictionary
        return self._stream(data, stream.end())

    def _stream(self, data: dict[object, PdfObject], position: int) -> StreamObject:
        buffer = self._buffer
        assert buffer is not None
        while buffer[position : position + 1] == b" ":
            position += 1
        end_of_line = buffer[position : position + 1]
        if end_of_line == b"\r":
            position += 1
            if buffer[position : position + 1] == b"\n":
                position += 1
        elif end_of_line == b"\n":
            position += 1
        else:
            raise _Declined
        length = data.get("/Length")
        if isinstance(length, IndirectObject):
            length = self.get_object(length)
        if type(length) is not NumberObject:
            raise _Declined
        end = position + length
        if (
            length < 0
            or length > get_configuration().maximum_declared_stream_length
            or end > len(buffer)
            or _ENDSTREAM.match(buffer, end) is None
        ):
            raise _Declined
        # As StreamObject.initialize_from_dictionary() builds it, but with the bytes left where
        # they are in the file.
        stream: _StreamInFile = (
            _EncodedStreamInFile() if "/Filter" in data else _DecodedStreamInFile()
        )
        stream._in_file = memoryview(buffer)[position:end]
        del data["/Length"]
        stream.update(data)
        return stream

    def _dictionary(self, position: int, depth: int) -> tuple[dict[object, PdfObject], int]:
        """The entries of the dictionary whose '<<' ends before `position`, and where it ends."""
        buffer = self._buffer
        assert buffer is not None
        data: dict[object, PdfObject] = {}
        limit = get_configuration().dictionary_maximum_element_count
        while True:
            token = _TOKEN.match(buffer, position)
            if token is None:
                raise _Declined
            kind = token.lastgroup
            if kind == "close" and token["close"] == b">>":
                return data, token.end()
            if kind != "name":
                raise _Declined
            name = token["name"]
            if len(name) > _MAX_NAME:
                raise _Declined
            key = NameObject(name.decode())
            value_token = _TOKEN.match(buffer, token.end())
            if key in data or value_token is None or len(data) >= limit:
                raise _Declined
            data[key], position = self._value(value_token, depth + 1)

    def _value(self, token: re.Match[bytes], depth: int) -> tuple[PdfObject, int]:
        """The object starting with `token`, and where it ends."""
        kind = token.lastgroup
        end = token.end()
        if kind == "name":
            name = token["name"]
            if len(name) > _MAX_NAME:
                raise _Declined
            return NameObject(name.decode()), end
        if kind == "ref":
            if end - token.start("ref") >= _REFERENCE_WINDOW:
                raise _Declined
            return IndirectObject(int(token["idnum"]), int(token["gen"]), self), end
        if kind == "number":
            number = token["number"]
            if len(number) > _MAX_NUMBER:
                raise _Declined
            if _INTEGER.fullmatch(number):
                return NumberObject(number), end
            if _REAL.fullmatch(number):
                return FloatObject(number), end
            raise _Declined
        if depth >= _MAX_DEPTH:
            raise _Declined
        if kind == "open":
            if token["open"] == b"[":
                return self._array(end, depth)
            data, end = self._dictionary(end, depth)
            dictionary = DictionaryObject()
            dictionary.update(data)
            return dictionary, end
        if kind == "keyword":
            word = token["keyword"]
            if word == b"null":
                return NullObject(), end
            return BooleanObject(word == b"true"), end
        if kind == "hex":
            digits = _HEX_WHITESPACE.sub(b"", token["hex"])
            if len(digits) % 2:
                digits += b"0"
            return create_string_object(bytes.fromhex(digits.decode())), end
        if kind == "literal":
            return create_string_object(token["literal"]), end
        raise _Declined

    def _array(self, position: int, depth: int) -> tuple[ArrayObject, int]:
        buffer = self._buffer
        assert buffer is not None
        array = ArrayObject()
        limit = get_configuration().array_maximum_element_count
        while True:
            token = _TOKEN.match(buffer, position)
            if token is None:
                raise _Declined
            if token.lastgroup == "close" and token["close"] == b"]":
                return array, token.end()
            if len(array) >= limit:
                raise _Declined
            item, position = self._value(token, depth + 1)
            array.append(item)
