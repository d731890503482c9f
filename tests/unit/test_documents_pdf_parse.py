"""FastPdfReader against pypdf's strict reader: for every object of the corpus, of generated
objects full of the syntax it must leave to pypdf, and of damaged copies of good files, it gives
exactly what pypdf gives (the same object, or the same exception), and it does take the plain
objects of ordinary files itself."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import img2pdf
import pytest
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from documents.pdf_parse import FastPdfReader, encoded_data
from tests import corpus


def _open(reader_class: type[PdfReader], path: Path) -> PdfReader:
    return FastPdfReader(path) if reader_class is FastPdfReader else PdfReader(path, strict=True)


def _outcome(reader_class: type[PdfReader], path: Path, key: tuple[int, int]) -> object:
    """Object `key` (number, generation) resolved by a fresh reader, or how that failed."""
    try:
        reader = _open(reader_class, path)
    except Exception as error:
        return ("open failed", type(error), str(error))
    try:
        return reader.get_object(IndirectObject(key[0], key[1], reader))
    except Exception as error:
        return ("failed", type(error), str(error))


_STRING_TYPES = (TextStringObject, ByteStringObject)


def _same(mine: object, theirs: object) -> bool:
    """The same object, down to types, key order and the bytes a string was read from."""
    if isinstance(mine, StreamObject) and isinstance(theirs, StreamObject):
        return (
            isinstance(mine, EncodedStreamObject) == isinstance(theirs, EncodedStreamObject)
            and bytes(encoded_data(mine)) == theirs._data
            and _same_dictionary(mine, theirs)
        )
    if type(mine) is not type(theirs):
        return False
    if isinstance(mine, DictionaryObject) and isinstance(theirs, DictionaryObject):
        return _same_dictionary(mine, theirs)
    if isinstance(mine, ArrayObject) and isinstance(theirs, ArrayObject):
        return len(mine) == len(theirs) and all(map(_same, mine, theirs))
    if isinstance(mine, IndirectObject) and isinstance(theirs, IndirectObject):
        return (mine.idnum, mine.generation) == (theirs.idnum, theirs.generation)
    if isinstance(mine, BooleanObject) and isinstance(theirs, BooleanObject):
        return mine.value == theirs.value
    if isinstance(mine, _STRING_TYPES) and isinstance(theirs, _STRING_TYPES):
        return mine == theirs and mine.original_bytes == theirs.original_bytes
    return mine == theirs


def _same_dictionary(mine: DictionaryObject, theirs: DictionaryObject) -> bool:
    mine_items, their_items = list(dict.items(mine)), list(dict.items(theirs))
    return [key for key, _ in mine_items] == [key for key, _ in their_items] and all(
        _same(a, b) for (_, a), (_, b) in zip(mine_items, their_items)
    )


def _keys(path: Path) -> list[tuple[int, int]]:
    try:
        reader = PdfReader(path, strict=True)
    except Exception:
        return [(1, 0)]  # opening fails: both readers must fail alike
    in_table = [
        (idnum, generation) for generation, entries in reader.xref.items() for idnum in entries
    ]
    return in_table + [(idnum, 0) for idnum in reader.xref_objStm]


def _assert_same_objects(path: Path) -> None:
    for key in _keys(path):
        mine, theirs = _outcome(FastPdfReader, path, key), _outcome(PdfReader, path, key)
        assert _same(mine, theirs), (key, path.read_bytes()[:3000], mine, theirs)


# Cases that are not PDFs, and two that are slow to make or read and no different here.
_NOT_HERE = {
    "empty",
    "exe",
    "zip_named_pdf",
    "text",
    "png_20000x20000",
    "flate_bomb_1gb",
    "file_11mb",
}


def _corpus_pdfs() -> Iterator[tuple[str, Callable[[], bytes]]]:
    for name, (factory, _, _) in corpus.HOSTILE_CASES.items():
        if name not in _NOT_HERE:
            yield name, factory
    yield from corpus.SANITISED_CASES.items()
    for name, (factory, _) in {**corpus.GOOD_CASES, **corpus.STRUCTURE_CASES}.items():
        if name.startswith("pdf"):
            yield name, factory


@pytest.mark.parametrize(("name", "factory"), list(_corpus_pdfs()))
def test_corpus_objects_are_read_as_pypdf_reads_them(
    tmp_path: Path, name: str, factory: Callable[[], bytes]
) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(factory())
    _assert_same_objects(path)


# --- generated objects ----------------------------------------------------------------------

_SEPARATORS = [b" ", b" ", b" ", b"\n", b"\r\n", b"\t", b"", b"\x00", b"\x0b", b"\x0c", b"\r"]
_NAMES = [
    b"/Type",
    b"/Length",
    b"/Filter",
    b"/S",
    b"/A#42",
    b"/a.b-c_d~*",
    b"/",
    b"/\xc3\xa9t\xc3\xa9",
    b"/\xe9",
    b"/x\x7f",
    b"/" + b"N" * 200,
    b"/1",
]
_NUMBERS = [
    b"0",
    b"42",
    b"-5",
    b"+7",
    b"3.25",
    b".5",
    b"5.",
    b"-.5",
    b"007",
    b"-0",
    b"1.2.3",
    b"--1",
    b"1,5",
    b"-",
    b".",
    b"+",
    b"1e5",
    b"99999999999999999999999",
    b"123456789012345678.5",
]
_REFERENCES = [
    b"3 0 R",
    b"3 0 R",
    b"3  0  R",
    b"3\n0\nR",
    b"+3 0 R",
    b"3 0 RG",
    b"3\x000 R",
    b"3\x0b0 R",
    b"3 0R",
    b"99 0 R",
    b"3 1 R",
    b"0000000000000003 0 R",
    b"00000000000000003 0 R",
]
_KEYWORDS = [b"true", b"false", b"null", b"fals", b"nul", b"truex", b"endobj"]
_STRINGS = [
    b"(abc)",
    b"()",
    b"(a\\)b)",
    b"(a(b)c)",
    b"(\\101\\n)",
    b"(line\r\nbreak)",
    b"(\xfe\xff\x00A)",
    b"(\x00A)",
    b"(caf\xe9)",
    b"(unterminated",
    b"<>",
    b"<4142>",
    b"<414>",
    b"<41 42\n43>",
    b"<4G>",
    b"<FEFF0041>",
    b"<41\x0042>",
    b"< <",
]
_HEADERS = [
    b"%d 0 obj\n",
    b"%d 0 obj\n",
    b"%d 0 obj\n",
    b"%d 0 obj",
    b"%d 0 obj ",
    b"%d  0 obj\n",
    b"0%d 0 obj\n",
    b" %d 0 obj\n",
    b"%d 0 objx",
    b"%d 1 obj\n",
    b"%d 0 ob\n",
    b"% note\n%d 0 obj\n",
    b"%d\x000 obj\n",
    b"%d 0 obj\x00",
]


class _Generator:
    """Random object bodies, mostly plain, salted with everything pypdf reads its own way."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def separator(self) -> bytes:
        if self.random.random() < 0.85:
            return b" "
        if self.random.random() < 0.1:
            return b"% a comment\n"
        return self.random.choice(_SEPARATORS)

    def value(self, depth: int) -> bytes:
        choice = self.random.random()
        if depth < 4 and choice < 0.15:
            return self.dictionary(depth)
        if depth < 4 and choice < 0.25:
            items = [self.value(depth + 1) for _ in range(self.random.randint(0, 5))]
            close = b"]" if self.random.random() < 0.97 else b""
            return b"[" + self.separator().join(items) + self.separator() + close
        pools = [_NAMES, _NUMBERS, _REFERENCES, _KEYWORDS, _STRINGS]
        weights = [4, 4, 3, 1, 2]
        pool = self.random.choices(pools, weights)[0]
        # Often the first, plain entry of its pool, so that many objects are plain throughout.
        return pool[0] if self.random.random() < 0.6 else self.random.choice(pool)

    def key(self) -> bytes:
        if self.random.random() < 0.97:
            return self.random.choice(_NAMES[:6])
        return self.random.choice([b"(key)", b"1", b"null", b"3 0 R"])

    def entries(self, depth: int) -> list[bytes]:
        keys = [self.key() for _ in range(self.random.randint(0, 6))]
        return [key + self.separator() + self.value(depth + 1) for key in keys]

    def dictionary(self, depth: int) -> bytes:
        close = b">>" if self.random.random() < 0.97 else self.random.choice([b">", b"> >", b""])
        return b"<<" + self.separator().join(self.entries(depth)) + self.separator() + close

    def stream(self, length_object: int) -> tuple[bytes, bytes]:
        """A stream body and the body of object `length_object`, which may hold its length."""
        data = self.random.choice(
            [b"BT (hello) Tj ET", bytes(self.random.randrange(256) for _ in range(40)), b""]
        )
        if self.random.random() < 0.05:
            data += b"endstream"
        length = self.random.choice(
            [
                b"%d" % len(data),
                b"%d" % len(data),
                b"%d 0 R" % length_object,
                b"%d" % (len(data) + 1),
                b"%d" % max(0, len(data) - 1),
                b"-1",
                b"99999999999999",
                b"/Name",
                b"4.0",
            ]
        )
        entries = self.entries(1)
        if self.random.random() < 0.95:
            entries.insert(self.random.randint(0, len(entries)), b"/Length " + length)
        keyword_gap = self.random.choice([b"\n", b"\n", b" ", b"\r\n", b"", b"\x00", b"\x0b"])
        end_of_line = self.random.choice(
            [b"\n", b"\n", b"\r\n", b"\r", b" \n", b"", b"  \r\n", b"\n\n", b"x"]
        )
        before_end = self.random.choice([b"\n", b"\n", b"\r\n", b"", b"\x00", b"\x0b", b"  "])
        body = (
            (b"<< " + b" ".join(entries) + b" >>" + keyword_gap + b"stream" + end_of_line)
            + data
            + before_end
            + b"endstream"
        )
        length_body = self.random.choice([b"%d" % len(data), b"%d" % len(data), b"(x)", b"-3"])
        return body, length_body

    def pdf(self) -> bytes:
        length_body = b"0"
        choice = self.random.random()
        if choice < 0.3:
            body, length_body = self.stream(2)
        elif choice < 0.6:
            body = self.dictionary(0)
        else:
            body = self.value(0)
        objects = [b"<< /Type /Catalog >>", length_body, self.dictionary(1), body]
        headers = [self.random.choice(_HEADERS) if index else b"%d 0 obj\n" for index in range(4)]
        return _raw_pdf(objects, headers)


def _raw_pdf(objects: list[bytes], headers: list[bytes]) -> bytes:
    """corpus.raw_pdf with a chosen header before each object."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, (body, header) in enumerate(zip(objects, headers), start=1):
        offsets.append(len(out))
        out += header.replace(b"%d", b"%d" % number) + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


@pytest.mark.parametrize("batch", range(8))
def test_generated_objects_are_read_as_pypdf_reads_them(tmp_path: Path, batch: int) -> None:
    generator = _Generator(seed=batch)
    path = tmp_path / "generated.pdf"
    for _ in range(150):
        path.write_bytes(generator.pdf())
        _assert_same_objects(path)


def _damaged_copies(data: bytes, seed: int, count: int) -> Iterator[bytes]:
    """Copies with a few bytes replaced inside the objects (the xref table stays right)."""
    rng = random.Random(seed)
    body_end = data.rindex(b"xref")
    interesting = b" \n\r\t\x00\x0b/<>[]()%#R0123456789.-+esobj"
    for _ in range(count):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(15, body_end)] = rng.choice(interesting)
        yield bytes(damaged)


def _img2pdf_scan() -> bytes:
    return img2pdf.convert(corpus.jpeg(), engine=img2pdf.Engine.internal)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "factory",
    [
        lambda: corpus.pdf_pages(2),
        corpus.inherited_attributes_pdf,
        corpus.javascript_pdf,
        corpus.linked_pages_pdf,
        lambda: corpus.raw_pdf(corpus._simple_objects()),
        _img2pdf_scan,
    ],
)
def test_damaged_copies_are_read_as_pypdf_reads_them(
    tmp_path: Path, factory: Callable[[], bytes]
) -> None:
    path = tmp_path / "damaged.pdf"
    for damaged in _damaged_copies(factory(), seed=len(path.name), count=120):
        path.write_bytes(damaged)
        _assert_same_objects(path)


# --- the fast path is taken, and frees what it holds ------------------------------------------


@pytest.mark.parametrize(
    "factory",
    [
        lambda: corpus.pdf_pages(3),
        corpus.inherited_attributes_pdf,
        corpus.linked_pages_pdf,
        _img2pdf_scan,
    ],
)
def test_plain_objects_never_reach_pypdfs_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factory: Callable[[], bytes]
) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(factory())
    reader = FastPdfReader(path)
    parsed_by_pypdf: list[PdfObject | None] = []
    pypdf_get_object = PdfReader.get_object

    def counting(self: PdfReader, reference: IndirectObject) -> PdfObject | None:
        found = pypdf_get_object(self, reference)
        parsed_by_pypdf.append(found)
        return found

    monkeypatch.setattr(PdfReader, "get_object", counting)
    for generation, entries in reader.xref.items():
        for idnum in entries:
            reader.get_object(IndirectObject(idnum, generation, reader))
    assert parsed_by_pypdf == []
    streams = [obj for obj in reader.resolved_objects.values() if isinstance(obj, StreamObject)]
    assert streams
    assert all(isinstance(encoded_data(stream), memoryview) for stream in streams)


def test_a_stream_read_by_pypdf_code_gets_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "one.pdf"
    path.write_bytes(corpus.raw_pdf(corpus._simple_objects()))
    reader = FastPdfReader(path)
    contents = reader.get_object(IndirectObject(4, 0, reader))
    assert isinstance(contents, StreamObject)
    assert isinstance(encoded_data(contents), memoryview)
    assert contents.get_data() == b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"
    assert encoded_data(contents) == contents.get_data()
    contents.set_data(b"q Q")
    assert encoded_data(contents) == b"q Q"


def test_close_lets_go_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "one.pdf"
    path.write_bytes(corpus.pdf_pages(1))
    with FastPdfReader(path) as reader:
        assert len(reader.pages) == 1
    assert reader.resolved_objects == {}
    assert reader.stream.closed
