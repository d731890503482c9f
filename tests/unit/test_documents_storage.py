"""Content-addressed storage and garbage collection."""

from __future__ import annotations

import hashlib
import os
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
