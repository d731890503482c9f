"""Content-addressed storage for finished document PDFs: a file is durable on disk (fsynced,
renamed, directory fsynced) before the caller commits the database row that points to it,
and garbage collection removes files no row references."""

from __future__ import annotations

import contextlib
import errno
import fcntl
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
    def adopt(self, source: Path, sha256: str) -> StoredObject: ...
    def delete_if_older(self, key: str, older_than: datetime) -> bool: ...
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

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock, across threads and processes (flock): held
        for the instant a put() places or refreshes a file, and while the garbage collection
        re-checks a file's age and unlinks it. The lock is on root itself (a directory can
        be flocked), so the store holds nothing but its files."""
        descriptor = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the flock

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
            return self._place(temp, digest.hexdigest(), size)
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()

    def adopt(self, source: Path, sha256: str) -> StoredObject:
        """Takes `source` in by rename (no copy, no second hash): for a work file this process
        wrote on the same file system whose SHA-256 was computed from the bytes as they were
        written (the merge's BuiltDocument.sha256). `source` is gone afterwards. Durable on
        return, like put()."""
        if not _KEY.fullmatch(sha256):
            raise KeyError(sha256)
        try:
            with source.open("rb") as handle:
                os.fsync(handle.fileno())
                size = os.fstat(handle.fileno()).st_size
            try:
                return self._place(source, sha256, size)
            except OSError as error:
                if error.errno != errno.EXDEV:
                    raise
            # Another file system after all: copy (and hash) instead.
            return self.put(source)
        finally:
            with contextlib.suppress(OSError):
                source.unlink()

    def _place(self, durable: Path, key: str, size: int) -> StoredObject:
        """Renames the fsynced file `durable` to its key's place, or, when identical content
        is stored already, refreshes that file's mtime (so the garbage collection spares it)
        and leaves `durable` for the caller to delete."""
        final = self.path(key)
        created = [d for d in (final.parent.parent, final.parent) if not d.exists()]
        final.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            try:
                # Same content, same key: keep the file (and its inode, open by downloads).
                os.utime(final)
            except FileNotFoundError:
                # Same file system, so the rename is atomic.
                os.replace(durable, final)
        # Then every changed directory is fsynced (also when the file was there already: a
        # put() cut short after its rename may not have made the directory entry durable).
        self._fsync_directories(final, created)
        return StoredObject(key=key, sha256=key, size=size)

    @staticmethod
    def _fsync_directories(final: Path, created: list[Path]) -> None:
        _fsync_directory(final.parent)
        for directory in created:
            _fsync_directory(directory.parent)

    def delete_if_older(self, key: str, older_than: datetime) -> bool:
        """Deletes the stored file unless it was written or refreshed at `older_than` or
        later; the check and the unlink are one step under the store's lock, so a put() of
        identical content at that moment either refreshes it first (it stays) or stores it
        anew after (it is there)."""
        with self._locked():
            try:
                modified = self.path(key).stat().st_mtime
            except FileNotFoundError:
                return False
            if datetime.fromtimestamp(modified, tz=UTC) >= older_than:
                return False
            self.path(key).unlink()
            return True

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
        if older_than is None:
            storage.delete(key)
            removed += 1
        elif storage.delete_if_older(key, older_than):
            # Age re-checked and unlinked under the store's lock: a put() of the same
            # content since `referenced` was read has refreshed the file, which stays.
            removed += 1
    return removed


def copy_to(storage: DocumentStorage, key: str, target: BinaryIO) -> None:
    """Streams a stored file into `target` (e.g. a response body)."""
    with storage.open(key) as source:
        shutil.copyfileobj(source, target, _COPY_CHUNK)
