"""Building the stored PDF from the generated corpus: good files merge, hostile files get their
documented code through the isolated worker pool (which keeps working), active content never
survives."""

from __future__ import annotations

import functools
import io
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, Destination, DictionaryObject, PdfObject

from documents import pdf_write
from documents.convert import image_to_pdf
from documents.errors import DocumentRejected
from documents.isolation import IsolatedWorkerPool
from documents.limits import UploadLimits
from documents.merge import build_document_pdf
from documents.sanitize import scan_for_active_content
from tests import corpus


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedWorkerPool]:
    with IsolatedWorkerPool(workers=2, wall_seconds=60) as workers:
        yield workers


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _pool_still_works(pool: IsolatedWorkerPool, folder: Path) -> None:
    good = _write(folder, "after.pdf", corpus.pdf_pages(2))
    assert pool.build_document([good], folder / "after.out.pdf").pages == 2


@pytest.mark.parametrize("case", sorted(corpus.HOSTILE_CASES))
def test_hostile_file_is_refused_with_its_code(
    pool: IsolatedWorkerPool, tmp_path: Path, case: str
) -> None:
    factory, status, code = corpus.HOSTILE_CASES[case]
    source = _write(tmp_path, "upload.bin", factory())
    output = tmp_path / "out.pdf"
    with pytest.raises(DocumentRejected) as caught:
        pool.build_document([source], output)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.file_index == 0
    assert not output.exists()
    _pool_still_works(pool, tmp_path)


@pytest.mark.parametrize("case", sorted(corpus.RASTERISED_CASES))
def test_fonts_and_jbig2_or_jpx_images_are_rasterised_in_a_confined_worker(
    pool: IsolatedWorkerPool, tmp_path: Path, case: str
) -> None:
    factory, pages = corpus.RASTERISED_CASES[case]
    output = tmp_path / "out.pdf"
    built = pool.build_document([_write(tmp_path, "upload.pdf", factory())], output)
    assert built.pages == pages == len(PdfReader(output, strict=True).pages)
    assert corpus.image_only_findings(output.read_bytes()) == []


def test_a_word_processor_pdf_is_rasterised_in_a_confined_worker(
    pool: IsolatedWorkerPool, tmp_path: Path
) -> None:
    # pdfium's library, loaded before the worker confined itself, renders inside its chroot.
    original = corpus.chromium_pdf()
    if original is None:
        pytest.skip("chromium is not installed")
    output = tmp_path / "out.pdf"
    built = pool.build_document([_write(tmp_path, "letter.pdf", original)], output)
    assert built.pages == corpus.CHROMIUM_PAGES
    assert corpus.image_only_findings(output.read_bytes()) == []
    for page in PdfReader(output).pages:
        (image,) = page.images
        darkest, lightest = image.image.convert("L").getextrema()
        assert darkest < 64 and lightest > 192  # black text drawn on white, not a blank page


def test_a_page_at_the_pixel_limit_renders_within_a_workers_memory(tmp_path: Path) -> None:
    # 69 megapixels at 150 dpi, rendered at the 40 megapixel limit under the worker's
    # RLIMIT_AS (768 MB) and the wall-clock and CPU limits a server uses.
    output = tmp_path / "out.pdf"
    with IsolatedWorkerPool(workers=1) as server_pool:
        built = server_pool.build_document(
            [_write(tmp_path, "poster.pdf", corpus.embedded_font_poster_pdf())], output
        )
    assert built.pages == 1
    (image,) = (
        reference.get_object()
        for reference in PdfReader(output).pages[0]["/Resources"]["/XObject"].values()
    )
    assert 39_000_000 < image["/Width"] * image["/Height"] <= UploadLimits().max_pixels


def test_a_page_that_keeps_the_renderer_busy_is_cut_at_the_workers_limits(
    tmp_path: Path,
) -> None:
    # Minutes of rendering in 45 KB: the worker's CPU limit ends it, the job gets a 422 and
    # the pool a new worker.
    with IsolatedWorkerPool(workers=1, cpu_seconds=2, wall_seconds=30) as strict_pool:
        output = tmp_path / "out.pdf"
        source = _write(tmp_path, "slow.pdf", corpus.embedded_font_slow_render())
        with pytest.raises(DocumentRejected) as caught:
            strict_pool.build_document([source], output)
        assert (caught.value.code, caught.value.status) == ("processing_failed", 422)
        assert not output.exists()
        _pool_still_works(strict_pool, tmp_path)


def test_the_refused_file_is_named_by_its_index(pool: IsolatedWorkerPool, tmp_path: Path) -> None:
    inputs = [
        _write(tmp_path, "a", corpus.pdf_pages(1)),
        _write(tmp_path, "b", corpus.jpeg()),
        _write(tmp_path, "c", corpus.user_password_pdf()),
    ]
    with pytest.raises(DocumentRejected) as caught:
        pool.build_document(inputs, tmp_path / "out.pdf")
    assert (caught.value.code, caught.value.file_index) == ("pdf_password_protected", 2)


@pytest.mark.parametrize(
    ("counts", "limit_hit"),
    [([10, 10, 10], False), ([10, 10, 11], True), ([29], False), ([30, 1], True)],
)
def test_page_limit_is_for_the_merged_document(
    tmp_path: Path, counts: list[int], limit_hit: bool
) -> None:
    inputs = [_write(tmp_path, f"{n}.pdf", corpus.pdf_pages(c)) for n, c in enumerate(counts)]
    if counts == [29]:
        inputs.append(_write(tmp_path, "photo.jpg", corpus.jpeg()))
    output = tmp_path / "out.pdf"
    if limit_hit:
        with pytest.raises(DocumentRejected) as caught:
            build_document_pdf(inputs, output)
        assert (caught.value.code, caught.value.status) == ("too_many_pages", 422)
    else:
        assert build_document_pdf(inputs, output).pages == 30


def test_eleven_files_are_too_many(tmp_path: Path) -> None:
    inputs = [_write(tmp_path, f"{n}.pdf", corpus.pdf_pages(1)) for n in range(11)]
    with pytest.raises(DocumentRejected) as caught:
        build_document_pdf(inputs, tmp_path / "out.pdf")
    assert (caught.value.code, caught.value.status) == ("too_many_files", 413)


@pytest.mark.parametrize("case", sorted(corpus.GOOD_CASES) + sorted(corpus.STRUCTURE_CASES))
def test_good_files_become_pdf_pages(tmp_path: Path, case: str) -> None:
    factory, pages = {**corpus.GOOD_CASES, **corpus.STRUCTURE_CASES}[case]
    output = tmp_path / "out.pdf"
    built = build_document_pdf([_write(tmp_path, "in", factory())], output)
    data = output.read_bytes()
    assert built.pages == pages == len(PdfReader(io.BytesIO(data), strict=True).pages)
    assert built.size_bytes == len(data)
    assert scan_for_active_content(data) == []


def test_files_are_merged_in_the_given_order(tmp_path: Path) -> None:
    inputs = [
        _write(tmp_path, "b.pdf", corpus.pdf_pages(2, label="second")),
        _write(tmp_path, "photo.png", corpus.png()),
        _write(tmp_path, "a.pdf", corpus.pdf_pages(1, label="first")),
    ]
    output = tmp_path / "out.pdf"
    build_document_pdf(inputs, output)
    reader = PdfReader(output, strict=True)
    texts = [page.extract_text().strip() for page in reader.pages]
    assert texts[0] == "second 1" and texts[1] == "second 2" and texts[3] == "first 1"
    resources = reader.pages[2]["/Resources"]
    assert isinstance(resources, DictionaryObject) and "/XObject" in resources


def test_exif_rotated_jpeg_is_upright(tmp_path: Path) -> None:
    # Orientation 6: stored 400x300 landscape, shown rotated 90 degrees (portrait).
    output = tmp_path / "out.pdf"
    build_document_pdf([_write(tmp_path, "in.jpg", corpus.jpeg(400, 300, 6))], output)
    page = PdfReader(output).pages[0]
    width, height = page.mediabox.width, page.mediabox.height
    rotated = page.get("/Rotate", 0) in (90, 270)
    assert (height > width) != rotated  # shown as portrait


def test_jpeg_bytes_are_embedded_unchanged(tmp_path: Path) -> None:
    jpeg = corpus.jpeg()
    output = tmp_path / "out.pdf"
    build_document_pdf([_write(tmp_path, "in.jpg", jpeg)], output)
    assert jpeg in output.read_bytes()


@pytest.mark.parametrize("case", sorted(corpus.SANITISED_CASES))
def test_active_content_never_survives(pool: IsolatedWorkerPool, tmp_path: Path, case: str) -> None:
    source = _write(tmp_path, "in.pdf", corpus.SANITISED_CASES[case]())
    assert scan_for_active_content(source.read_bytes()) != [] or case in (
        "pdf_zip_polyglot",
        "owner_password_only",
    )
    output = tmp_path / "out.pdf"
    built = pool.build_document([source], output)
    data = output.read_bytes()
    assert built.pages >= 1
    assert scan_for_active_content(data) == []
    for key in corpus.ACTIVE_KEYS:
        assert key.encode() not in data
    assert b"PK\x03\x04" not in data
    assert b"/Encrypt" not in data
    _pool_still_works(pool, tmp_path)


def test_page_links_to_web_pages_are_kept(tmp_path: Path) -> None:
    objects = corpus._simple_objects(
        page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9]"
        b" /A << /S /URI /URI (https://bpjsketenagakerjaan.go.id/) >> >>"
        b" << /Type /Annot /Subtype /Link /Rect [0 0 9 9]"
        b" /A << /S /URI /URI (javascript:alert(1)) >> >>]"
    )
    output = tmp_path / "out.pdf"
    build_document_pdf([_write(tmp_path, "in.pdf", corpus.raw_pdf(objects))], output)
    annotations = PdfReader(output, strict=True).pages[0]["/Annots"]
    assert isinstance(annotations, ArrayObject)
    actions = [annotation.get_object().get("/A") for annotation in annotations]
    assert actions[0]["/URI"] == "https://bpjsketenagakerjaan.go.id/"
    assert actions[1] is None


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (corpus.javascript_pdf, {"/OpenAction", "/JavaScript", "/AA", "/XFA"}),
        (corpus.launch_pdf, {"/Launch", "/SubmitForm", "/OpenAction"}),
        (corpus.embedded_file_pdf, {"/EmbeddedFiles", "/FileAttachment", "/RichMedia"}),
    ],
)
def test_scanner_finds_what_it_must(factory: Callable[[], bytes], expected: set[str]) -> None:
    findings = " ".join(scan_for_active_content(factory()))
    for name in expected:
        assert name in findings


@pytest.mark.parametrize("listed_free", [frozenset(), frozenset({corpus.HIDDEN_OBJECT})])
def test_scanner_opens_object_streams(listed_free: frozenset[int]) -> None:
    # The Launch action is referenced from nowhere and packed in an object stream, and in the
    # second case the cross-reference stream even calls its number free: still found.
    findings = scan_for_active_content(corpus.hidden_action_pdf(listed_free))
    assert f"object {corpus.HIDDEN_OBJECT} in 8: action /Launch" in findings
    assert "object 6 in 8: action /JavaScript" in findings


def test_an_object_stream_the_scanner_cannot_read_is_not_called_clean() -> None:
    short_header = corpus.hidden_action_pdf().replace(b"/N 6", b"/N 9")
    with pytest.raises(PdfReadError):
        scan_for_active_content(short_header)


def test_unclean_output_is_refused_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # If the sanitiser misses something, the output scan must refuse the file.
    monkeypatch.setattr("documents.merge.strip_active_content", lambda item: None)
    output = tmp_path / "out.pdf"
    with pytest.raises(DocumentRejected) as caught:
        build_document_pdf([_write(tmp_path, "in.pdf", corpus.launch_pdf())], output)
    assert caught.value.code == "unsafe_content"
    assert not output.exists()


def test_inflate_budget_is_configurable(tmp_path: Path) -> None:
    source = _write(tmp_path, "in.pdf", corpus.many_small_streams_bomb(streams=3, each=1_000_000))
    build_document_pdf([source], tmp_path / "ok.pdf")
    with pytest.raises(DocumentRejected) as caught:
        build_document_pdf(
            [source], tmp_path / "no.pdf", UploadLimits(max_inflated_bytes=2_500_000)
        )
    assert caught.value.code == "pdf_bomb"


def test_review_bundle_has_one_bookmark_per_document(
    pool: IsolatedWorkerPool, tmp_path: Path
) -> None:
    parts = []
    for title, pages in [("KTP", 1), ("Kartu Keluarga", 2), ("Buku Rekening", 3)]:
        output = tmp_path / f"{pages}.pdf"
        build_document_pdf([_write(tmp_path, f"{pages}.in", corpus.pdf_pages(pages))], output)
        parts.append((title, output))
    bundle = tmp_path / "bundle.pdf"
    built = pool.build_bundle(parts, bundle)
    reader = PdfReader(bundle, strict=True)
    assert built.pages == len(reader.pages) == 6
    outline = [item for item in reader.outline if isinstance(item, Destination)]
    assert [item.title for item in outline] == ["KTP", "Kartu Keluarga", "Buku Rekening"]
    assert [reader.get_destination_page_number(item) for item in outline] == [0, 1, 3]


def test_inherited_page_attributes_survive_the_merge(tmp_path: Path) -> None:
    output = tmp_path / "out.pdf"
    source = _write(tmp_path, "in.pdf", corpus.inherited_attributes_pdf())
    build_document_pdf([_write(tmp_path, "a.pdf", corpus.pdf_pages(1)), source], output)
    pages = PdfReader(output, strict=True).pages
    assert [float(page.mediabox.width) for page in pages] == [612, 300, 300]
    assert [page.rotation for page in pages] == [0, 90, 90]
    assert [page.extract_text().strip() for page in pages[1:]] == ["inherited 1", "inherited 2"]


def test_links_between_pages_point_at_the_merged_pages(tmp_path: Path) -> None:
    output = tmp_path / "out.pdf"
    inputs = [
        _write(tmp_path, "a.pdf", corpus.pdf_pages(2)),
        _write(tmp_path, "b.pdf", corpus.linked_pages_pdf()),
    ]
    build_document_pdf(inputs, output)
    reader = PdfReader(output, strict=True)
    annotations = reader.pages[2]["/Annots"]
    assert isinstance(annotations, ArrayObject)
    annotation = annotations[0].get_object()
    page_numbers = [
        page.indirect_reference.idnum for page in reader.pages if page.indirect_reference
    ]
    assert annotation.raw_get("/P").idnum == page_numbers[2]
    assert annotation["/Dest"][0].idnum == page_numbers[3]


@pytest.mark.parametrize(
    ("factory", "version"),
    [(corpus.pdf_2_0, "/2.0"), (functools.partial(corpus.pdf_pages, 1), None)],
)
def test_the_newest_input_version_is_declared(
    tmp_path: Path, factory: Callable[[], bytes], version: str | None
) -> None:
    output = tmp_path / "out.pdf"
    build_document_pdf([_write(tmp_path, "in.pdf", factory())], output)
    catalog = PdfReader(output, strict=True).trailer["/Root"]
    assert isinstance(catalog, DictionaryObject) and catalog.get("/Version") == version


@pytest.mark.parametrize(
    "factories",
    [
        [corpus.javascript_pdf, corpus.jpeg, corpus.linked_pages_pdf],
        [corpus.embedded_file_pdf, corpus.png, corpus.inherited_attributes_pdf],
    ],
)
def test_every_written_object_was_scanned_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factories: list[Callable[[], bytes]]
) -> None:
    # The proof scan runs on the objects as they are written: every object number in the
    # file's cross-reference table (and the trailer) must have passed through it.
    scanned: list[str] = []
    real_scan = pdf_write.findings_in_object

    def recording_scan(item: PdfObject, where: str) -> Iterator[str]:
        scanned.append(where)
        return real_scan(item, where)

    monkeypatch.setattr(pdf_write, "findings_in_object", recording_scan)
    inputs = [_write(tmp_path, f"{n}.in", factory()) for n, factory in enumerate(factories)]
    output = tmp_path / "out.pdf"
    build_document_pdf(inputs, output)
    reader = PdfReader(output, strict=True)
    in_file = {f"object {number}" for number in reader.xref[0]}
    assert len(in_file) == cast(int, reader.trailer["/Size"]) - 1
    assert in_file | {"trailer"} == set(scanned)
    assert len(scanned) == len(set(scanned))


def test_indirect_action_type_is_found_and_removed(tmp_path: Path) -> None:
    findings = scan_for_active_content(corpus.indirect_action_pdf())
    assert any("/Launch" in finding for finding in findings)
    output = tmp_path / "out.pdf"
    build_document_pdf([_write(tmp_path, "in.pdf", corpus.indirect_action_pdf())], output)
    assert scan_for_active_content(output.read_bytes()) == []
    assert b"cmd.exe" not in output.read_bytes()


@pytest.mark.parametrize("orientation", [None, 3, 6, 8])
def test_a_jpeg_copied_from_its_file_is_laid_out_as_img2pdf_does(
    tmp_path: Path, orientation: int | None
) -> None:
    source = _write(tmp_path, "in.jpg", corpus.jpeg(400, 300, orientation))
    output = tmp_path / "out.pdf"
    build_document_pdf([source], output)
    ours = PdfReader(output, strict=True).pages[0]
    theirs = PdfReader(io.BytesIO(image_to_pdf(source, UploadLimits()))).pages[0]
    assert list(ours.mediabox) == list(theirs.mediabox)
    assert ours.get("/Rotate", 0) == theirs.get("/Rotate", 0)
    image = ours["/Resources"]["/XObject"]["/Im0"].get_object()
    assert image.get_data() == source.read_bytes()
    assert (image["/Width"], image["/Height"], image["/Filter"]) == (400, 300, "/DCTDecode")


def _damaged_copies(data: bytes, seed: int, count: int) -> Iterator[bytes]:
    """Copies with a few bytes of their objects replaced by PDF syntax (the tail with the
    cross-reference table stays as it was)."""
    rng = random.Random(seed)
    body_end = data.rindex(b"startxref")
    syntax = b" \n\r\t\x00\x0b/<>[]()%#R0123456789.-+esobj"
    for _ in range(count):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(15, body_end)] = rng.choice(syntax)
        yield bytes(damaged)


@pytest.mark.parametrize(
    "factory",
    [
        functools.partial(corpus.pdf_pages, 2),
        corpus.inherited_attributes_pdf,
        corpus.javascript_pdf,
        corpus.linked_pages_pdf,
        corpus.packed_pdf,
        corpus.hidden_action_pdf,
    ],
)
def test_a_damaged_pdf_is_refused_or_built_clean(
    tmp_path: Path, factory: Callable[[], bytes]
) -> None:
    # Whatever pypdf makes of a damaged file, the build answers a rejection code (never
    # another exception), or a file with pages and no active content.
    source, output = tmp_path / "in.pdf", tmp_path / "out.pdf"
    for damaged in _damaged_copies(factory(), seed=7, count=120):
        source.write_bytes(damaged)
        try:
            built = build_document_pdf([source], output)
        except DocumentRejected as rejected:
            assert rejected.status == 422, rejected
            assert not output.exists()
            continue
        assert built.pages >= 1
        assert scan_for_active_content(output) == []
