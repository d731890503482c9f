"""Helpers for the upload tests over HTTP: claims made through the API, the multipart
requests of tests/corpus.py, a walk of a stored PDF for active content, a look at what the
data folder holds, and a real `jht serve` process on the test database."""

from __future__ import annotations

import hashlib
import io
import re
import select as selecting
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
from sqlalchemy import func, select

from claims.db import Database
from claims.models import Document, DocumentFile
from tests.corpus import ACTIVE_KEYS, multipart_body
from tests.e2e.serving import JHT, UNUSED_BANK, free_port, jht_env, wait_until_healthy
from tests.support import sample

RESIGNATION = "resignation: left 3 months ago"
HEX_NAME = re.compile(r"[0-9a-f]{64}\.pdf")


class HttpClient(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class ClaimHandle:
    id: str
    token: str
    branch: str
    kpj: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def create_claim(
    client: HttpClient, label: str = RESIGNATION, reason: str = "resignation"
) -> ClaimHandle:
    row = sample(label)
    body = {
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": row["birth_date"],
        "reason": reason,
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
    }
    answer = client.request("POST", "/api/v1/claims", json=body)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    return ClaimHandle(created["id"], created["access_token"], row["_branch"], row["kpj"])


def put_files(
    client: HttpClient, claim: ClaimHandle, doc_type: str, files: list[tuple[str, bytes]]
) -> httpx.Response:
    content_type, body = multipart_body(files)
    return client.request(
        "PUT",
        f"/api/v1/claims/{claim.id}/documents/{doc_type}",
        content=body,
        headers={**claim.auth, "Content-Type": content_type},
    )


def claim_state(client: HttpClient, claim: ClaimHandle) -> tuple[str, str, list[Any]]:
    """(ETag, status, checklist) as the applicant sees them."""
    answer = client.request("GET", f"/api/v1/claims/{claim.id}", headers=claim.auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return answer.headers["etag"], body["status"], body["checklist"]


def document_rows(db: Database, claim_id: str) -> list[tuple[str, str, str]]:
    with db.read_only() as session:
        return [
            (d.doc_type, d.storage_key, d.sha256)
            for d in session.scalars(
                select(Document).where(Document.claim_id == claim_id).order_by(Document.doc_type)
            )
        ]


def file_rows(db: Database, claim_id: str) -> int:
    with db.read_only() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(DocumentFile)
                .where(DocumentFile.claim_id == claim_id)
            )
            or 0
        )


def all_files(folder: Path) -> set[str]:
    """Every file under `folder`, relative to it."""
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def active_content(pdf: bytes) -> list[str]:
    """Every active-content name found by walking all objects reachable from the trailer,
    plus every indirect object in the file; [] for a clean PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[str] = []
    seen: set[tuple[int, int]] = set()

    def walk(value: Any) -> None:
        if isinstance(value, IndirectObject):
            ref = (value.idnum, value.generation)
            if ref in seen:
                return
            seen.add(ref)
            walk(value.get_object())
        elif isinstance(value, DictionaryObject):
            for key, item in value.items():
                if key in ACTIVE_KEYS:
                    found.append(str(key))
                walk(item)
        elif isinstance(value, ArrayObject):
            for item in value:
                walk(item)
        elif isinstance(value, NameObject) and value in ACTIVE_KEYS:
            found.append(str(value))

    walk(reader.trailer)
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        walk(IndirectObject(number, 0, reader))
    return found


# ---- a real server --------------------------------------------------------------------------


@dataclass
class LiveServer:
    """`jht serve` on the test database and its own data folder (scheduler off)."""

    db: Database
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = jht_env(
            self.data_dir, JHT_DATABASE_URL=self.db.url, JHT_SCHEDULER="off", JHT_BANK=UNUSED_BANK
        )
        log = (self.data_dir.parent / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [JHT, "serve", "--port", str(self.port), "--no-samples"],
            env=env,
            cwd=self.data_dir.parent,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        wait_until_healthy(self.base_url, self.process)

    def kill(self) -> None:
        """SIGKILL, the way a power cut or the OOM killer ends it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=timeout)


def live_server(db: Database, data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(db, data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RawResult:
    status: int
    body: bytes
    sent: int


def raw_upload(
    port: int,
    path: str,
    headers: dict[str, str],
    chunks: Iterator[bytes],
    seconds: float = 60,
) -> RawResult:
    """Sends a request over a plain socket chunk by chunk, watching for the answer after each
    chunk, and stops sending as soon as the server answers (or closes). `sent` counts the body
    bytes handed to the socket. With no Content-Length in `headers` the body goes chunked."""
    chunked = not any(k.lower() == "content-length" for k in headers)
    head = f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    for key, value in headers.items():
        head += f"{key}: {value}\r\n"
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
    head += "\r\n"
    deadline = time.monotonic() + seconds
    sent = 0
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as connection:
        connection.sendall(head.encode())
        connection.setblocking(False)

        for chunk in chunks:
            if time.monotonic() > deadline:
                break
            data = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") if chunked else chunk
            view = memoryview(data)
            closed = False
            while view:
                readable, writable, _ = selecting.select([connection], [connection], [], 1.0)
                if readable:
                    piece = _recv(connection)
                    if piece is None:
                        continue
                    if not piece:
                        closed = True
                        break
                    received += piece
                    if b"\r\n\r\n" in received:
                        break
                if writable:
                    try:
                        count = connection.send(view)
                    except BlockingIOError:
                        continue
                    except (BrokenPipeError, ConnectionResetError):
                        closed = True
                        break
                    view = view[count:]
                    sent += count
            if closed or b"\r\n\r\n" in received:
                break
        else:
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        connection.setblocking(True)
        connection.settimeout(max(1.0, deadline - time.monotonic()))
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                piece = connection.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not piece:
                break
            received += piece
    head_bytes, _, body = received.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1]) if head_bytes.startswith(b"HTTP/") else 0
    return RawResult(status, body, sent)


def _recv(connection: socket.socket) -> bytes | None:
    """What arrived; b"" when the server closed; None when nothing was there after all."""
    try:
        return connection.recv(65536)
    except BlockingIOError:
        return None
    except ConnectionResetError:
        return b""


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    match = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    return match is not None and len(body) >= int(match.group(1))
