"""Stored documents (issue 4): the row's key names a file with that SHA-256; a replaced or
removed upload leaves a file no row references, which the housekeeping garbage collection
removes once it is an hour old, with the temp and spool files a crash leaves; idempotency keys
are purged after their 24 hours."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from claims.jobs.housekeeping import collect_document_garbage, purge_idempotency_keys
from claims.jobs.registry import REGISTRY, load_job_modules
from claims.models import Document, IdempotencyRecord
from claims.uploads.service import document_services
from tests.corpus import jpeg, pdf_pages
from tests.e2e import conftest as e2e_fixtures
from tests.e2e.conftest import Api
from tests.e2e.upload_support import create_claim, document_rows, put_files

api = e2e_fixtures.api  # the app over a real database, with the samples


def age(path: Path, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


def test_stored_key_is_a_durable_file_with_the_recorded_sha256(api: Api) -> None:
    claim = create_claim(api.client)
    answer = put_files(api.client, claim, "ktp", [("a.jpg", jpeg()), ("b.pdf", pdf_pages(2))])
    assert answer.status_code == 200, answer.text
    [(doc_type, key, digest)] = document_rows(api.db, claim.id)
    path = document_services(api.runtime).storage.path(key)
    assert doc_type == "ktp" and key == digest == answer.json()["sha256"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert path.stat().st_size == answer.json()["size_bytes"]
    assert path.is_relative_to(api.runtime.settings.documents_dir)


def test_garbage_collection_keeps_only_referenced_files(api: Api) -> None:
    load_job_modules()
    assert REGISTRY.get("document_garbage_collection") is not None
    storage = document_services(api.runtime).storage
    spool = document_services(api.runtime).spool_dir
    claim = create_claim(api.client)
    first = put_files(api.client, claim, "ktp", [("a.pdf", pdf_pages(1, "first"))]).json()
    replaced = put_files(api.client, claim, "ktp", [("b.pdf", pdf_pages(1, "second"))]).json()
    removed = put_files(api.client, claim, "kartu_keluarga", [("c.jpg", jpeg())]).json()
    assert (
        api.client.delete(
            f"/api/v1/claims/{claim.id}/documents/kartu_keluarga", headers=claim.auth
        ).status_code
        == 204
    )
    assert set(storage.keys()) == {first["sha256"], replaced["sha256"], removed["sha256"]}
    # What a crash leaves: a half-copied store temp file and half-received spool files.
    crash_temp = storage.root / ".tmp-crashed"
    crash_temp.write_bytes(b"%PDF-1.7 half")
    crash_part = spool / "upload-crashed.part"
    crash_part.write_bytes(b"half")
    crash_work = spool / "work-crashed.pdf"
    crash_work.write_bytes(b"half")
    unrelated = spool / "keep.txt"
    unrelated.write_bytes(b"not ours")
    wall = datetime.now(UTC)

    # Within the hour nothing goes: a row may still be about to commit.
    assert collect_document_garbage(api.runtime, wall) == 0
    assert len(set(storage.keys())) == 3 and crash_temp.exists() and crash_part.exists()

    for path in (crash_temp, crash_part, crash_work, unrelated):
        age(path, 2)
    later = wall + timedelta(hours=1, minutes=5)
    assert collect_document_garbage(api.runtime, later) == 5
    with api.db.read_only() as session:
        referenced = set(session.scalars(select(Document.storage_key)))
    assert set(storage.keys()) == referenced == {replaced["sha256"]}
    assert not crash_temp.exists() and not crash_part.exists() and not crash_work.exists()
    assert unrelated.exists()
    assert collect_document_garbage(api.runtime, later) == 0
    download = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert hashlib.sha256(download.content).hexdigest() == replaced["sha256"]


def test_the_same_content_uploaded_again_is_not_collected(api: Api) -> None:
    storage = document_services(api.runtime).storage
    claim = create_claim(api.client)
    data = pdf_pages(1, "again")
    stored = put_files(api.client, claim, "ktp", [("a.pdf", data)]).json()
    put_files(api.client, claim, "ktp", [("b.pdf", pdf_pages(1, "other"))])
    age(storage.path(stored["sha256"]), 3)
    # The old file is back in use before the collection runs: put() refreshes it.
    assert put_files(api.client, claim, "ktp", [("a.pdf", data)]).json() == stored
    collect_document_garbage(api.runtime, datetime.now(UTC) + timedelta(hours=2))
    assert storage.exists(stored["sha256"])


def test_idempotency_keys_are_purged_after_24_hours(api: Api) -> None:
    claim = create_claim(api.client)
    answer = api.client.post(
        f"/api/v1/claims/{claim.id}/cancel", headers={**claim.auth, "Idempotency-Key": "k-1"}
    )
    assert answer.status_code == 200, answer.text
    with api.db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    now = api.runtime.clock.now()
    assert purge_idempotency_keys(api.runtime, now + timedelta(hours=23)) == 0
    assert purge_idempotency_keys(api.runtime, now + timedelta(hours=25)) == 1
    with api.db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
