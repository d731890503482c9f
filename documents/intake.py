"""Streams a multipart/form-data upload to spool files as it arrives, hashing on the way and
refusing oversize or surplus files as soon as they appear, before the rest of the body is read.

The client's file name is kept for display only; spool files get generated names.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from documents.errors import DocumentRejected
from documents.limits import UploadLimits

MAX_DISPLAY_NAME = 200
_MAX_HEADER_BYTES = 8 * 1024
# Headers, boundaries and small fields around the files.
_BODY_OVERHEAD = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    path: Path
    original_name: str
    size: int
    sha256: str


def display_name(raw: str) -> str:
    """A client file name made harmless for display: last path component, no control
    characters, bounded length. Never used as a path."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in ("", ".", ".."):
        name = "berkas"
    return name[:MAX_DISPLAY_NAME]


class _SpoolFile:
    def __init__(self, spool_dir: Path, original_name: str) -> None:
        descriptor, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self.handle: BinaryIO = os.fdopen(descriptor, "wb")
        self.original_name = original_name
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def received(self) -> ReceivedFile:
        self.handle.close()
        return ReceivedFile(self.path, self.original_name, self.size, self.digest.hexdigest())

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


class MultipartReceiver:
    """Push-style receiver: feed() body chunks, then finish(). Raises DocumentRejected as soon
    as a limit is passed (the caller stops reading) and then owns no files any more."""

    def __init__(
        self, content_type: str, field_name: str, limits: UploadLimits, spool_dir: Path
    ) -> None:
        media_type, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if media_type != b"multipart/form-data" or not boundary:
            raise DocumentRejected("malformed_upload", detail=f"content type {content_type!r}")
        self.field_name = field_name
        self.limits = limits
        self.spool_dir = spool_dir
        self.max_body = limits.max_files * limits.max_file_bytes + _BODY_OVERHEAD
        self.body_bytes = 0
        self.files: list[_SpoolFile] = []
        self.current: _SpoolFile | None = None
        self.other_field_bytes = 0
        self.ended = False
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        callbacks: Any = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        try:
            self.parser = MultipartParser(boundary, callbacks)
        except FormParserError as error:
            raise DocumentRejected("malformed_upload", detail=str(error)) from error

    # -- parser callbacks --

    def _on_part_begin(self) -> None:
        self._headers = {}
        self.current = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]
        self._check_header_size()

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._check_header_size()

    def _check_header_size(self) -> None:
        if len(self._header_field) + len(self._header_value) > _MAX_HEADER_BYTES:
            raise DocumentRejected("malformed_upload", detail="part header too long")

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name", b"").decode("utf-8", "replace") != self.field_name:
            return
        if len(self.files) >= self.limits.max_files:
            raise DocumentRejected(
                "too_many_files", file_index=len(self.files), limit=str(self.limits.max_files)
            )
        raw_name = options.get(b"filename", b"").decode("utf-8", "replace")
        self.current = _SpoolFile(self.spool_dir, display_name(raw_name))
        self.files.append(self.current)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current is None:
            self.other_field_bytes += end - start
            if self.other_field_bytes > self.limits.max_other_field_bytes:
                raise DocumentRejected("upload_too_large", detail="form fields too large")
            return
        if self.current.size + (end - start) > self.limits.max_file_bytes:
            raise DocumentRejected(
                "file_too_large",
                file_index=len(self.files) - 1,
                limit=f"{self.limits.max_file_bytes / 1_000_000:g} MB",
            )
        self.current.write(data[start:end])

    def _on_part_end(self) -> None:
        if self.current is not None:
            self.current.handle.flush()
        self.current = None

    def _on_end(self) -> None:
        self.ended = True

    # -- public --

    def feed(self, chunk: bytes) -> None:
        self.body_bytes += len(chunk)
        try:
            if self.body_bytes > self.max_body:
                raise DocumentRejected("upload_too_large")
            self.parser.write(chunk)
        except DocumentRejected:
            self.abort()
            raise
        except FormParserError as error:
            self.abort()
            raise DocumentRejected("malformed_upload", detail=str(error)) from error
        except BaseException:
            self.abort()
            raise

    def finish(self) -> list[ReceivedFile]:
        """The received files in upload order; the caller owns (and deletes) them."""
        try:
            self.parser.finalize()
            if not self.ended:
                raise DocumentRejected("malformed_upload", detail="body ended early")
            if not self.files:
                raise DocumentRejected("no_files")
            for index, spooled in enumerate(self.files):
                if spooled.size == 0:
                    raise DocumentRejected("empty_file", file_index=index)
            return [spooled.received() for spooled in self.files]
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Deletes every spool file of this upload."""
        for spooled in self.files:
            spooled.discard()
        self.files.clear()
        self.current = None


async def receive_files(
    content_type: str,
    body: AsyncIterator[bytes],
    field_name: str,
    limits: UploadLimits,
    spool_dir: Path,
) -> list[ReceivedFile]:
    """Receives the repeated file field `field_name` of a multipart body. On DocumentRejected
    nothing is left in spool_dir and the rest of `body` has not been read."""
    receiver = MultipartReceiver(content_type, field_name, limits, spool_dir)
    try:
        async for chunk in body:
            receiver.feed(chunk)
    except BaseException:
        # Also on client disconnect or cancellation.
        receiver.abort()
        raise
    return receiver.finish()


def receive_files_sync(
    content_type: str,
    body: Iterable[bytes],
    field_name: str,
    limits: UploadLimits,
    spool_dir: Path,
) -> list[ReceivedFile]:
    """The same as receive_files() for a synchronous body (tests, CLI imports)."""
    receiver = MultipartReceiver(content_type, field_name, limits, spool_dir)
    try:
        for chunk in body:
            receiver.feed(chunk)
    except BaseException:
        receiver.abort()
        raise
    return receiver.finish()


def discard_received(files: Iterable[ReceivedFile]) -> None:
    """Deletes spool files once they are merged (or the request failed later)."""
    for received in files:
        with contextlib.suppress(FileNotFoundError):
            received.path.unlink()
