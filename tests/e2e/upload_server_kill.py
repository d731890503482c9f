"""The server killed (SIGKILL, its whole process group) while uploads run, then restarted:
every upload that got a 2xx is stored whole, no row points at a missing or different file,
and after the housekeeping garbage collection no temp or spool file is left. Used by
tests/e2e/test_upload_live.py (a few rounds) and bench/bench_upload_kill.py (100 rounds)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from PIL import Image
from sqlalchemy import select

from claims.clock import Clock
from claims.jobs.housekeeping import collect_document_garbage
from claims.models import Document, DocumentFile
from claims.runtime import Runtime
from claims.settings import Settings
from tests.e2e.upload_support import ClaimHandle, LiveServer, all_files, put_files

UPLOAD_TYPES = ("ktp", "kartu_keluarga", "buku_rekening", "foto_diri")


def noisy_jpeg(seed: int, width: int = 1400, height: int = 1000) -> bytes:
    """A scan-sized JPEG (1-3 MB) that does not compress away."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass
class KillReport:
    rounds: int = 0
    answered_2xx: int = 0
    refused_or_cut: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.rounds} kills, {self.answered_2xx} uploads answered 2xx, "
            f"{self.refused_or_cut} cut or refused, {len(self.problems)} problems"
        )


def kill_group(server: LiveServer) -> None:
    """SIGKILL to the server and its document workers at once, like a power cut."""
    process = server.process
    assert process is not None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    server.process = None


def one_round(
    server: LiveServer,
    claims: list[ClaimHandle],
    scans: list[bytes],
    rng: random.Random,
    report: KillReport,
    answered: dict[str, bytes],
    stop_after: float,
) -> None:
    """Uploads from one thread per claim until the kill `stop_after` seconds in; records every
    2xx answer's SHA-256 (in `answered`, key -> first bytes of the body for messages)."""
    killed = threading.Event()
    # The kill timer starts at the first stored upload, so that it lands while uploads flow.
    flowing = threading.Event()

    def uploader(claim: ClaimHandle) -> None:
        with server.client(timeout=60) as client:
            while not killed.is_set():
                doc_type = rng.choice(UPLOAD_TYPES)
                files = [(f"scan{i}.jpg", rng.choice(scans)) for i in range(rng.randint(1, 3))]
                try:
                    answer = put_files(client, claim, doc_type, files)
                except httpx.HTTPError:
                    report.refused_or_cut += 1
                    return
                if 200 <= answer.status_code < 300:
                    report.answered_2xx += 1
                    answered[answer.json()["sha256"]] = answer.content[:80]
                    flowing.set()
                else:
                    report.refused_or_cut += 1

    threads = [threading.Thread(target=uploader, args=(c,), daemon=True) for c in claims]
    for thread in threads:
        thread.start()
    flowing.wait(timeout=120)
    time.sleep(stop_after)
    kill_group(server)
    killed.set()
    for thread in threads:
        thread.join(timeout=60)
    report.rounds += 1


def check_store(
    server: LiveServer,
    answered: dict[str, bytes],
    report: KillReport,
    claims: list[ClaimHandle] = (),  # type: ignore[assignment]
) -> None:
    """After a restart: every 2xx upload's file is there whole; every row's file exists with
    its SHA-256 and downloads as such."""
    settings = Settings(data_dir=server.data_dir, database_url=server.db.url, scheduler=False)
    runtime = Runtime(settings=settings, db=server.db, clock=Clock())
    try:
        from claims.uploads.service import document_services

        storage = document_services(runtime).storage
        for digest in answered:
            if not storage.exists(digest):
                report.problems.append(f"2xx upload {digest[:12]} has no stored file")
            elif hashlib.sha256(storage.path(digest).read_bytes()).hexdigest() != digest:
                report.problems.append(f"2xx upload {digest[:12]} stored with other content")
        with server.db.read_only() as session:
            rows = list(session.execute(select(Document.storage_key, Document.sha256)))
        for key, digest in rows:
            if not storage.exists(key):
                report.problems.append(f"row points at missing file {key[:12]}")
            elif hashlib.sha256(storage.path(key).read_bytes()).hexdigest() != digest:
                report.problems.append(f"row's file {key[:12]} has other content")
        with server.client() as client:
            for claim in claims:
                with server.db.read_only() as session:
                    stored = list(
                        session.execute(
                            select(Document.doc_type, Document.sha256).where(
                                Document.claim_id == claim.id
                            )
                        )
                    )
                for doc_type, digest in stored:
                    answer = client.get(
                        f"/api/v1/claims/{claim.id}/documents/{doc_type}", headers=claim.auth
                    )
                    if hashlib.sha256(answer.content).hexdigest() != digest:
                        report.problems.append(f"download of {doc_type} differs from its row")
    finally:
        runtime.close()


def collect_and_check_leftovers(server: LiveServer, report: KillReport) -> None:
    """The housekeeping garbage collection with the clock moved past the hour: only referenced
    files remain, no store temp file, nothing in the spool."""
    settings = Settings(data_dir=server.data_dir, database_url=server.db.url, scheduler=False)
    runtime = Runtime(settings=settings, db=server.db, clock=Clock())
    try:
        collect_document_garbage(runtime, datetime.now(UTC) + timedelta(hours=1, minutes=1))
        with server.db.read_only() as session:
            # Each document's merged PDF and each of its files' own PDF (issue 18).
            referenced = set(session.scalars(select(Document.storage_key))) | set(
                session.scalars(
                    select(DocumentFile.storage_key).where(DocumentFile.storage_key.is_not(None))
                )
            )
        from claims.uploads.service import document_services

        storage = document_services(runtime).storage
        left = set(storage.keys())
        if left != referenced:
            report.problems.append(f"after GC {len(left - referenced)} unreferenced files remain")
        temps = [n for n in all_files(settings.documents_dir) if "/.tmp-" in f"/{n}"]
        if temps:
            report.problems.append(f"temp files left after GC: {temps}")
        spool = all_files(settings.data_dir / "spool")
        if spool:
            report.problems.append(f"spool files left after GC: {sorted(spool)}")
    finally:
        runtime.close()


def run_kill_rounds(
    server: LiveServer,
    claims: list[ClaimHandle],
    rounds: int,
    seed: int = 4,
    on_round: object = None,
) -> KillReport:
    """`rounds` times: uploads, SIGKILL at a random moment, restart, check. Then the GC."""
    rng = random.Random(seed)
    scans = [noisy_jpeg(seed * 100 + i) for i in range(4)]
    report = KillReport()
    answered: dict[str, bytes] = {}
    for number in range(rounds):
        one_round(server, claims, scans, rng, report, answered, rng.uniform(0.3, 2.5))
        server.start()
        check_store(server, answered, report, claims)
        if callable(on_round):
            on_round(number + 1, report)
    server.stop()
    collect_and_check_leftovers(server, report)
    return report
