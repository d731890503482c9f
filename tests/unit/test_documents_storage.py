"""Content-addressed storage and garbage collection."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from documents.storage import LocalContentAddressedStorage, collect_garbage

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _put(storage: LocalContentAddressedStorage, tmp_path: Path, data: bytes) -> str:
    source = tmp_path / "source.pdf"
    source.write_bytes(data)
    return storage.put(source).key


def _age(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_put_stores_under_sha256_layout(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7 hello")
    stored = storage.put(source)
    digest = hashlib.sha256(b"%PDF-1.7 hello").hexdigest()
    assert (stored.key, stored.sha256, stored.size) == (digest, digest, 14)
    assert storage.path(digest) == tmp_path / "docs" / digest[:2] / digest[2:4] / f"{digest}.pdf"
    with storage.open(digest) as handle:
        assert handle.read() == b"%PDF-1.7 hello"
    assert storage.exists(digest)
    assert source.exists()  # the caller still owns its file
    assert not list((tmp_path / "docs").glob(".tmp-*"))


def test_same_content_is_one_file(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    first = _put(storage, tmp_path, b"same")
    second = _put(storage, tmp_path, b"same")
    assert first == second
    assert list(storage.keys()) == [first]


@pytest.mark.parametrize("key", ["../../etc/passwd", "ABC", "0" * 63, "g" * 64, ""])
def test_keys_that_are_not_sha256_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    assert not storage.exists(key)
    with pytest.raises(KeyError):
        storage.path(key)


def test_delete(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    key = _put(storage, tmp_path, b"x")
    storage.delete(key)
    storage.delete(key)  # idempotent
    assert not storage.exists(key)


@pytest.mark.parametrize(
    ("referenced", "cutoff_offset", "survivors"),
    [
        # Only the referenced file survives when nothing is spared by age.
        ({"kept"}, None, {"kept"}),
        # A replaced upload (old, unreferenced) goes; a fresh unreferenced put stays.
        ({"kept"}, timedelta(minutes=-30), {"kept", "fresh"}),
        (set(), timedelta(days=10), set()),
    ],
)
def test_collect_garbage(
    tmp_path: Path,
    referenced: set[str],
    cutoff_offset: timedelta | None,
    survivors: set[str],
) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    keys = {
        "kept": _put(storage, tmp_path, b"kept"),
        "replaced": _put(storage, tmp_path, b"replaced"),
        "fresh": _put(storage, tmp_path, b"fresh"),
    }
    _age(storage.path(keys["kept"]), NOW - timedelta(days=2))
    _age(storage.path(keys["replaced"]), NOW - timedelta(days=2))
    _age(storage.path(keys["fresh"]), NOW - timedelta(minutes=5))
    stale_temp = tmp_path / "docs" / ".tmp-crashed"
    stale_temp.write_bytes(b"half")
    _age(stale_temp, NOW - timedelta(days=1))
    cutoff = None if cutoff_offset is None else NOW + cutoff_offset
    removed = collect_garbage(storage, {keys[name] for name in referenced}, older_than=cutoff)
    assert set(storage.keys()) == {keys[name] for name in survivors}
    assert not stale_temp.exists()
    assert removed == 1 + 3 - len(survivors)


def test_adopt_takes_the_file_by_rename(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    work = tmp_path / "docs-work.pdf"
    work.write_bytes(b"%PDF-1.7 built")
    digest = hashlib.sha256(b"%PDF-1.7 built").hexdigest()
    inode = work.stat().st_ino
    stored = storage.adopt(work, digest)
    assert (stored.key, stored.size) == (digest, 14)
    assert not work.exists()
    assert storage.path(digest).stat().st_ino == inode  # moved, not copied
    # Identical content again: the stored file stays as it is, the new one is dropped.
    again = tmp_path / "again.pdf"
    again.write_bytes(b"%PDF-1.7 built")
    assert storage.adopt(again, digest) == stored
    assert not again.exists()
    assert storage.path(digest).stat().st_ino == inode
    assert list(storage.keys()) == [digest]
    with pytest.raises(KeyError):
        storage.adopt(tmp_path / "x.pdf", "not-a-sha256")


def test_storing_existing_content_refreshes_it_for_the_collection(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    key = _put(storage, tmp_path, b"again")
    _age(storage.path(key), NOW - timedelta(days=3))
    assert _put(storage, tmp_path, b"again") == key
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    assert collect_garbage(storage, set(), older_than=cutoff) == 0
    assert storage.exists(key)


def test_collection_and_a_put_of_the_same_content_do_not_interleave(tmp_path: Path) -> None:
    """The race: the collection has read the referenced keys (without the new row) and sees
    an old file; a put() of identical content refreshes it and its row is committed; the
    collection must not then unlink it. Its age check and unlink happen under the store's
    lock, which a put() holds while it places or refreshes a file."""
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    key = _put(storage, tmp_path, b"raced")
    _age(storage.path(key), NOW - timedelta(days=3))
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    removed: list[int] = []
    collector = threading.Thread(
        target=lambda: removed.append(collect_garbage(storage, set(), older_than=cutoff))
    )
    with storage._locked():  # a put() of the same content, between its check and its refresh
        collector.start()
        collector.join(0.5)
        assert storage.exists(key)  # the collection waits for the lock
        os.utime(storage.path(key))  # what the put() does under the lock
    collector.join()
    assert removed == [0]
    assert storage.exists(key)
    # Unrefreshed, the same file does go.
    _age(storage.path(key), NOW - timedelta(days=3))
    assert collect_garbage(storage, set(), older_than=cutoff) == 1


def test_delete_if_older_rechecks_the_age(tmp_path: Path) -> None:
    storage = LocalContentAddressedStorage(tmp_path / "docs")
    key = _put(storage, tmp_path, b"fresh")
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    assert storage.delete_if_older(key, cutoff) is False
    _age(storage.path(key), NOW - timedelta(days=3))
    assert storage.delete_if_older(key, cutoff) is True
    assert storage.delete_if_older(key, cutoff) is False
