"""Streaming multipart receipt: limits enforced before the whole body is read, generated
spool names, cleanup on error."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from documents.errors import DocumentRejected
from documents.intake import display_name, receive_files, receive_files_sync
from documents.limits import UploadLimits
from tests import corpus
from tests.concurrency import run_in_own_loop

CHUNK = 64 * 1024
SMALL = UploadLimits(max_file_bytes=200_000, max_files=3)


class CountingBody:
    """A body that records how much of it was read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), CHUNK):
            chunk = self.data[start : start + CHUNK]
            self.read += len(chunk)
            yield chunk


T = TypeVar("T")


def test_receives_files_in_order_with_hash_and_generated_names(tmp_path: Path) -> None:
    files = [("../../x.pdf", corpus.pdf_pages(1)), ("foto.jpg", corpus.jpeg())]
    content_type, body = corpus.multipart_body(files, extra_fields={"note": "halo"})
    received = receive_files_sync(content_type, CountingBody(body), "files", SMALL, tmp_path)
    assert [item.original_name for item in received] == ["x.pdf", "foto.jpg"]
    for item, (_, data) in zip(received, files, strict=True):
        assert item.path.parent == tmp_path
        assert item.path.name.startswith("upload-")
        assert item.path.read_bytes() == data
        assert item.size == len(data)
        assert item.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\budi\\ktp.pdf", "ktp.pdf"),
        ("a\x00b\x07c\x1b.pdf", "abc.pdf"),
        ("..", "berkas"),
        ("", "berkas"),
        ("k" * 300 + ".pdf", "k" * 200),
    ],
)
def test_hostile_file_names_are_only_display_text(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


@pytest.mark.parametrize(
    ("files", "code", "status", "file_index"),
    [
        ([("a.pdf", b"%PDF" + b"x" * 1_000_000)], "file_too_large", 413, 0),
        ([("ok.pdf", b"%PDF-ok"), ("big.pdf", b"x" * 1_000_000)], "file_too_large", 413, 1),
        (
            [(f"{n}.pdf", b"%PDF-x") for n in range(4)] + [("z", b"x" * 900_000)],
            "too_many_files",
            413,
            3,
        ),
    ],
)
def test_limits_refuse_before_the_body_is_read(
    tmp_path: Path, files: list[tuple[str, bytes]], code: str, status: int, file_index: int
) -> None:
    content_type, data = corpus.multipart_body(files)
    body = CountingBody(data)
    with pytest.raises(DocumentRejected) as caught:
        receive_files_sync(content_type, body, "files", SMALL, tmp_path)
    assert (caught.value.code, caught.value.status, caught.value.file_index) == (
        code,
        status,
        file_index,
    )
    assert body.read < len(data) - CHUNK
    assert list(tmp_path.iterdir()) == []


def test_eleven_files_with_default_limits(tmp_path: Path) -> None:
    files = [(f"{n}.pdf", corpus.pdf_pages(1)) for n in range(11)]
    content_type, data = corpus.multipart_body(files)
    with pytest.raises(DocumentRejected) as caught:
        receive_files_sync(content_type, CountingBody(data), "files", UploadLimits(), tmp_path)
    assert (caught.value.code, caught.value.status) == ("too_many_files", 413)
    assert list(tmp_path.iterdir()) == []


def test_eleven_megabyte_file_with_default_limits(tmp_path: Path) -> None:
    content_type, data = corpus.multipart_body([("big.pdf", corpus.big_pdf())])
    body = CountingBody(data)
    with pytest.raises(DocumentRejected) as caught:
        receive_files_sync(content_type, body, "files", UploadLimits(), tmp_path)
    assert caught.value.code == "file_too_large"
    assert body.read <= 10_000_000 + 2 * CHUNK
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        ("application/json", b"{}", "malformed_upload"),
        ("multipart/form-data", b"", "malformed_upload"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="a"\r\n\r\n%PDF-',
            "malformed_upload",
        ),
        ("multipart/form-data; boundary=b", b"--b--\r\n", "no_files"),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--b--\r\n',
            "no_files",
        ),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="files"'
            b'; filename="a.pdf"\r\n\r\n\r\n--b--\r\n',
            "empty_file",
        ),
    ],
)
def test_malformed_bodies(tmp_path: Path, content_type: str, body: bytes, code: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        receive_files_sync(content_type, [body], "files", SMALL, tmp_path)
    assert caught.value.code == code
    assert list(tmp_path.iterdir()) == []


def test_async_variant_and_cleanup_on_disconnect(tmp_path: Path) -> None:
    content_type, data = corpus.multipart_body([("a.pdf", corpus.pdf_pages(1))] * 2)

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    async def broken_body() -> AsyncIterator[bytes]:
        yield data[: len(data) - 50]
        raise ConnectionResetError

    received = run_in_own_loop(receive_files(content_type, body(), "files", SMALL, tmp_path))
    assert len(received) == 2
    for item in received:
        item.path.unlink()
    with pytest.raises(ConnectionResetError):
        run_in_own_loop(receive_files(content_type, broken_body(), "files", SMALL, tmp_path))
    assert list(tmp_path.iterdir()) == []
