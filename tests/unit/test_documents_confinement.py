"""A document worker can read nothing but the files of its job and reach no one (issue 16,
item 5): code execution in Pillow or pypdf must not become access to the database, the secret
key, other applicants' documents, the network or the server process."""

from __future__ import annotations

import json
import os
import pickle
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from documents.errors import DocumentRejected
from documents.isolation import IsolatedWorkerPool
from tests import corpus

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedWorkerPool]:
    with IsolatedWorkerPool(workers=1, wall_seconds=20) as workers:
        yield workers


def run_in_worker(pool: IsolatedWorkerPool, expression: str) -> object:
    """`expression` evaluated inside a worker: what code running there (after an exploit in a
    parser) could do."""
    return pool.run(eval, expression)


def refusal_inside_worker(pool: IsolatedWorkerPool, expression: str) -> str:
    with pytest.raises(DocumentRejected) as caught:
        run_in_worker(pool, expression)
    assert caught.value.code == "processing_failed"
    return caught.value.detail or ""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder as the service keeps it: the key, the database, stored documents."""
    (tmp_path / "secret.key").write_bytes(b"k" * 32)
    (tmp_path / "jht.sqlite3").write_bytes(b"SQLite format 3\x00")
    other = tmp_path / "documents" / "ab" / "cd" / ("ab" * 32 + ".pdf")
    other.parent.mkdir(parents=True)
    other.write_bytes(corpus.pdf_pages(1))
    return tmp_path


def test_a_worker_cannot_open_the_key_the_database_or_another_document(
    pool: IsolatedWorkerPool, data_dir: Path, tmp_path: Path
) -> None:
    secrets = [
        data_dir / "secret.key",
        data_dir / "jht.sqlite3",
        next((data_dir / "documents").rglob("*.pdf")),
        # The checkout around the code (./var, the default data folder, lives here).
        PACKAGE_ROOT / "pyproject.toml",
        Path("/etc/passwd"),
    ]
    for secret in secrets:
        assert secret.exists()
        detail = refusal_inside_worker(pool, f"open({str(secret)!r}, 'rb').read(1)")
        assert detail.startswith(("FileNotFoundError", "PermissionError")), (secret, detail)
    listing = refusal_inside_worker(pool, f"__import__('os').listdir({str(data_dir)!r})")
    assert listing.startswith(("FileNotFoundError", "PermissionError"))
    # While its own job's files are there for it.
    source = tmp_path / "in.pdf"
    source.write_bytes(corpus.pdf_pages(2))
    assert pool.build_document([source], tmp_path / "out.pdf").pages == 2


def test_a_worker_cannot_connect_anywhere(pool: IsolatedWorkerPool) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        port = listener.getsockname()[1]
        for target in (("127.0.0.1", port), ("127.0.0.1", 5432), ("127.0.0.1", 6379)):
            expression = f"__import__('socket').create_connection({target!r}, 5).close()"
            detail = refusal_inside_worker(pool, expression)
            assert "unreachable" in detail.lower() or "not permitted" in detail.lower(), detail
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_a_worker_gets_nothing_of_the_servers_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JHT_DATABASE_URL", "postgresql+psycopg://jht:secret@db/jht")
    with IsolatedWorkerPool(workers=1, wall_seconds=20) as fresh:
        # Only the locale, set explicitly (else Python would coerce the C locale itself).
        assert run_in_worker(fresh, "dict(__import__('os').environ)") == {"LC_ALL": "C.UTF-8"}


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _limit(pid: int, name: str) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith(name):
            return line[len(name) :].split()[0]  # the soft limit
    raise AssertionError(f"{name} not in /proc/{pid}/limits")


def test_a_worker_runs_unprivileged_in_its_own_namespaces(pool: IsolatedWorkerPool) -> None:
    pool.run(len, "warm")  # the worker has confined itself before it says it is ready
    (pid,) = pool.worker_process_ids()
    status = _status(pid)
    assert status["NoNewPrivs"] == "1"
    assert status["CapEff"] == "0000000000000000"
    if os.geteuid() == 0:
        assert status["Uid"].split()[:3] == ["65534"] * 3
        assert status["Groups"].strip() == ""
    for namespace in ("net", "mnt"):
        assert os.readlink(f"/proc/{pid}/ns/{namespace}") != os.readlink(
            f"/proc/self/ns/{namespace}"
        )
    assert _limit(pid, "Max processes") == "0"
    assert int(_limit(pid, "Max file size")) == pool.file_bytes
    assert int(_limit(pid, "Max address space")) == pool.memory_bytes


class _TouchWhenUnpickled:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.path,))


def test_nothing_a_worker_sends_is_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_TouchWhenUnpickled(marker), protocol=4)
    frame = struct.pack("!i", len(payload)) + payload
    # The worker writes a pickle on its own connection (argv[1] is its end of the socket).
    expression = f"__import__('os').write(int(__import__('sys').argv[1]), {frame!r})"
    with IsolatedWorkerPool(workers=1, wall_seconds=20) as fresh:
        with pytest.raises(DocumentRejected) as caught:
            fresh.run(eval, expression)
        assert caught.value.code == "processing_failed"
        assert not marker.exists()
        assert fresh.run(len, "ab") == 2


# Run as an ordinary user (uid 1000): the worker confines itself in a user namespace instead.
_AS_ORDINARY_USER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from documents.errors import DocumentRejected
from documents.isolation import IsolatedWorkerPool

def attempt(expression):
    try:
        return repr(pool.run(eval, expression))
    except DocumentRejected as refused:
        return refused.detail

with IsolatedWorkerPool(workers=1, wall_seconds=20) as pool:
    print(json.dumps({
        "uid": pool.run(eval, "__import__('os').getuid()"),
        "passwd": attempt("open('/etc/passwd', 'rb').read(1)"),
        "connect": attempt("__import__('socket').create_connection(('127.0.0.1', 5432), 5)"),
        "write_code": attempt(f"open({sys.argv[1] + '/documents/x'!r}, 'w')"),
    }))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="starts a process as another user")
def test_a_worker_of_an_unprivileged_service_confines_itself_too() -> None:
    as_user = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"]
    done = subprocess.run(
        [*as_user, sys.executable, "-c", _AS_ORDINARY_USER, str(PACKAGE_ROOT)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        env={"PATH": os.environ.get("PATH", ""), "HOME": "/"},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["uid"] == 65534
    assert seen["passwd"].startswith("FileNotFoundError"), seen
    assert "unreachable" in seen["connect"].lower(), seen
    assert seen["write_code"].startswith("OSError: [Errno 30]"), seen  # read-only file system
