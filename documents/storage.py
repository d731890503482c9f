"""Content-addressed storage for finished document PDFs: a file is durable on disk (fsynced,
renamed, directory fsynced) before the caller commits the database row that points to it,
and garbage collection removes files no row references."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"
_SUFFIX = ".pdf"
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    sha256: str
    size: int


class DocumentStorage(Protocol):
    def put(self, source: Path) -> StoredObject: ...
    def open(self, key: str) -> BinaryIO: ...
    def path(self, key: str) -> Path: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[str]: ...
    def modified_at(self, key: str) -> datetime: ...
    def discard_temp_files(self, older_than: datetime | None) -> int: ...


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalContentAddressedStorage:
    """Files at root/ab/cd/<sha256>.pdf; the key is the SHA-256 of the content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.root / key[:2] / key[2:4] / f"{key}{_SUFFIX}"

    def put(self, source: Path) -> StoredObject:
        """Copies `source` in (the caller keeps and deletes its file). Returns once the file
        is durable, so a database row committed afterwards never points at nothing."""
        digest = hashlib.sha256()
        size = 0
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temp_name = tempfile.mkstemp(dir=self.root, prefix=_TEMP_PREFIX)
        temp = Path(temp_name)
        try:
            with os.fdopen(descriptor, "wb") as target, source.open("rb") as origin:
                while chunk := origin.read(_COPY_CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
                    size += len(chunk)
                target.flush()
                os.fsync(target.fileno())
            key = digest.hexdigest()
            final = self.path(key)
            created = [d for d in (final.parent.parent, final.parent) if not d.exists()]
            final.parent.mkdir(parents=True, exist_ok=True)
            # The temp file sits in root (the key is known only after hashing) on the same
            # file system, so the rename is atomic; then every changed directory is fsynced.
            os.replace(temp, final)
            _fsync_directory(final.parent)
            for directory in created:
                _fsync_directory(directory.parent)
            _fsync_directory(self.root)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        return StoredObject(key=key, sha256=key, size=size)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def keys(self) -> Iterator[str]:
        for path in self.root.glob(f"??/??/*{_SUFFIX}"):
            key = path.name[: -len(_SUFFIX)]
            if _KEY.fullmatch(key):
                yield key

    def modified_at(self, key: str) -> datetime:
        return datetime.fromtimestamp(self.path(key).stat().st_mtime, tz=UTC)

    def discard_temp_files(self, older_than: datetime | None) -> int:
        """Removes temp files left by a crash during put()."""
        removed = 0
        for path in list(self.root.glob(f"{_TEMP_PREFIX}*")) + list(
            self.root.glob(f"??/??/{_TEMP_PREFIX}*")
        ):
            with contextlib.suppress(FileNotFoundError):
                modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
                if older_than is None or modified < older_than:
                    path.unlink()
                    removed += 1
        return removed


def collect_garbage(
    storage: DocumentStorage, referenced: set[str], older_than: datetime | None = None
) -> int:
    """Deletes stored files no database row references, and stale temp files; returns how many.

    `older_than` spares files written after that instant (a put() whose row is not committed
    yet); pass e.g. now - 1 hour. None removes every unreferenced file."""
    removed = storage.discard_temp_files(older_than)
    for key in list(storage.keys()):
        if key in referenced:
            continue
        if older_than is not None and storage.modified_at(key) >= older_than:
            continue
        storage.delete(key)
        removed += 1
    return removed


def copy_to(storage: DocumentStorage, key: str, target: BinaryIO) -> None:
    """Streams a stored file into `target` (e.g. a response body)."""
    with storage.open(key) as source:
        shutil.copyfileobj(source, target, _COPY_CHUNK)
