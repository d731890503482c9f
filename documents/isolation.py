"""Runs untrusted-file parsing in a pool of reused worker processes that can read nothing but
the files of their job, reach no one, and answer only in JSON, with memory, CPU, file-size and
wall-clock limits, so that a hostile file (crash, hang, bomb, or code execution in Pillow,
pypdf or pdfium) costs one job a 422, never the server process, its database, its key or other
applicants' documents.

Each worker is a fresh interpreter (subprocess, `python -I -c`, an environment holding only the locale) that
imports only documents modules: never the server's `__main__` (with multiprocessing's spawn or
forkserver every worker re-imports it, which for `jht serve` is the whole CLI: seconds per
worker). After its imports it confines itself (documents.confinement: own mount and network
namespaces, a root holding only the Python code read-only, uid 65534, no capabilities,
no-new-privileges, RLIMIT_NPROC 0), then says it is ready; a job is sent only to a ready
worker, so start-up never counts against a job's wall-clock limit. A killed worker's
replacement starts at once in the background, while the pool serves others.

The server opens a job's files and hands the worker their descriptors (SCM_RIGHTS); the
worker answers in JSON, which the server checks field by field. The server hashes the output
itself: a worker's word decides nothing but the page count.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import hashlib
import json
import math
import os
import queue
import resource
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

from documents.confinement import confine, limit_resources
from documents.errors import REASONS, DocumentRejected
from documents.limits import UploadLimits
from documents.merge import BuiltDocument, write_document_pdf, write_review_bundle

DEFAULT_MEMORY_BYTES = 768 * 1024 * 1024
DEFAULT_CPU_SECONDS = 10
# The largest file a worker may write: a document is at most 10 files of 10 MB, some of them
# images re-encoded larger; the review bundle is a claim's documents together.
DEFAULT_FILE_BYTES = 1 << 30
# Below the spec's 15 s answer time for hostile files, leaving room for the respawn.
DEFAULT_WALL_SECONDS = 12.0
# Interpreter start-up and the imports of pypdf, Pillow, img2pdf and pypdfium2 (which loads
# pdfium's shared library before the worker confines itself): under a second, several on
# a loaded machine. Waited for before a job is sent; never part of a job's wall-clock limit.
DEFAULT_START_SECONDS = 120.0

# A worker's answer is a few fields; anything longer is not one.
_MAX_ANSWER_BYTES = 64 * 1024
_MAX_DETAIL_CHARS = 500
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
# -I: no environment variables, no user site, no current folder on sys.path; the package
# root comes as an argument instead.
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[6]); "
    "from documents.isolation import _child_main; _child_main()"
)

# A job's function is called as function(input_files, output_file, *args) when the job has
# files, else function(*args).
JobFunction = Callable[..., Any]


class WorkerStartFailed(RuntimeError):
    """A document worker process did not come up: a server fault, not the upload's."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    value: Any
    # The worker asks to be replaced (after a MemoryError its heap may be unusable).
    retire: bool = False


def _set_cpu_budget(cpu_seconds: int) -> None:
    """RLIMIT_CPU counts a process's whole life; a reused worker gets `cpu_seconds` more."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = math.ceil(usage.ru_utime + usage.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + cpu_seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _child_main() -> None:
    """A worker process's entry:
    `python -I -c _CHILD_CODE FD MEMORY_BYTES CPU_SECONDS FILE_BYTES ROOT_DIR PACKAGE_ROOT`."""
    descriptor, memory_bytes, cpu_seconds, file_bytes = (int(v) for v in sys.argv[1:5])
    root_dir = sys.argv[5]
    connection = Connection(descriptor)
    channel = socket.socket(fileno=os.dup(descriptor))
    limit_resources(memory_bytes, file_bytes)
    # The imported modules (pypdf, Pillow, img2pdf: ~35,000 objects) live as long as the worker:
    # frozen, the collection after each job walks only that job's objects (~20 ms -> <1 ms).
    gc.collect()
    gc.freeze()
    try:
        confine(root_dir, code_dirs=_code_dirs())
    except OSError as error:
        _answer(connection, {"ready": False, "reason": f"{type(error).__name__}: {error}"})
        return
    if _answer(connection, {"ready": True}):
        _serve(connection, channel, cpu_seconds)


def _code_dirs() -> list[str]:
    """What the confined worker keeps, read-only: the folders it imports from (the standard
    library, site-packages). Of a checkout (a folder with pyproject.toml) only the documents
    package, not the folders around it (./var, the default data folder, is one of them); an
    installed package's folder (site-packages) whole."""
    if not os.path.exists(os.path.join(_PACKAGE_ROOT, "pyproject.toml")):
        return [entry for entry in sys.path if entry and os.path.isdir(entry)]
    kept = [os.path.join(_PACKAGE_ROOT, "documents")]
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.abspath(entry)
        if real == _PACKAGE_ROOT or _PACKAGE_ROOT.startswith(real.rstrip("/") + "/"):
            continue
        kept.append(real)
    return kept


def _answer(connection: Connection, message: dict[str, Any]) -> bool:
    try:
        connection.send_bytes(json.dumps(message, default=_plain).encode())
    except (OSError, MemoryError):
        return False
    return True


def _plain(value: object) -> Any:
    """JSON for the values jobs return: dataclasses (BuiltDocument) as objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _rejection(rejected: DocumentRejected, retire: bool = False) -> dict[str, Any]:
    return {
        "ok": False,
        "retire": retire,
        "code": rejected.code,
        "file_index": rejected.file_index,
        "limit": rejected.limit,
        "detail": (rejected.detail or "")[:_MAX_DETAIL_CHARS],
    }


def _serve(connection: Connection, channel: socket.socket, cpu_seconds: int) -> None:
    while True:
        try:
            # From the server, which the worker trusts (never the other way round).
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        answer = _run_job(channel, cpu_seconds, *job)
        if not _answer(connection, answer):
            return
        if answer.get("retire"):
            return
        # Parsed PDFs are large cyclic object graphs: freed before the next job, but after the
        # answer has gone, so that the caller does not wait for it.
        del job, answer
        gc.collect()


def _run_job(
    channel: socket.socket,
    cpu_seconds: int,
    function: JobFunction,
    args: tuple[Any, ...],
    file_count: int,
) -> dict[str, Any]:
    files: list[BinaryIO] = []
    try:
        if file_count:
            _, descriptors, _, _ = socket.recv_fds(channel, 1, file_count)
            files = [os.fdopen(d, "rb") for d in descriptors[:-1]]
            files.append(os.fdopen(descriptors[-1], "w+b"))
        _set_cpu_budget(cpu_seconds)
        value = function(files[:-1], files[-1], *args) if files else function(*args)
        # Encoded here, so that a value JSON cannot hold is this job's failure.
        json.dumps(value, default=_plain)
        return {"ok": True, "value": value}
    except DocumentRejected as rejected:
        return _rejection(rejected)
    except MemoryError:
        return _rejection(
            DocumentRejected("processing_failed", detail="worker out of memory"), retire=True
        )
    except Exception as error:
        return _rejection(
            DocumentRejected("processing_failed", detail=f"{type(error).__name__}: {error}")
        )
    finally:
        for handle in files:
            with contextlib.suppress(OSError):
                handle.close()


def _outcome_from(answer: object) -> _Outcome | None:
    """The worker's JSON answer checked field by field; None for anything else (the worker is
    then killed)."""
    if not isinstance(answer, dict):
        return None
    if answer.get("ok") is True:
        return _Outcome(True, answer.get("value"))
    code, file_index, limit, detail = (
        answer.get(key) for key in ("code", "file_index", "limit", "detail")
    )
    if (
        answer.get("ok") is not False
        or code not in REASONS
        or not (file_index is None or type(file_index) is int)
        or not (limit is None or isinstance(limit, str))
        or not isinstance(detail, str)
    ):
        return None
    rejected = DocumentRejected(
        code, file_index=file_index, limit=limit, detail=detail[:_MAX_DETAIL_CHARS]
    )
    return _Outcome(False, rejected, retire=answer.get("retire") is True)


class _Worker:
    """One worker process: a new interpreter running _child_main(), talked to over a socket
    pair (multiprocessing's framing; JSON answers). Starting one does not wait for it."""

    def __init__(self, memory_bytes: int, cpu_seconds: int, file_bytes: int, root_dir: str) -> None:
        parent_end, child_end = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    _CHILD_CODE,
                    str(child_end.fileno()),
                    str(memory_bytes),
                    str(cpu_seconds),
                    str(file_bytes),
                    root_dir,
                    _PACKAGE_ROOT,
                ],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # Nothing of the server's environment (the database URL, credentials): only
                # the locale, so that Python does not coerce the C locale itself.
                env={"LC_ALL": "C.UTF-8"},
                cwd="/",
            )
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        self.channel = parent_end
        self.connection = Connection(os.dup(parent_end.fileno()))
        self.ready = False
        # The pool's warm-up and the job's borrower may both wait for the ready message:
        # only one of them reads it, and nobody reads the connection once it is ready.
        self._ready_lock = threading.Lock()

    def wait_ready(self, timeout: float) -> None:
        """Blocks until the worker has done its imports, confined itself and waits for a job."""
        with self._ready_lock:
            if self.ready:
                return
            reason = f"not ready within {timeout:g} s"
            try:
                if self.connection.poll(timeout):
                    message = json.loads(self.connection.recv_bytes(_MAX_ANSWER_BYTES))
                    if isinstance(message, dict) and message.get("ready") is True:
                        self.ready = True
                        return
                    if isinstance(message, dict):
                        reason = f"could not confine itself: {message.get('reason')}"
            except (EOFError, OSError, ValueError):
                reason = "exited while starting"
            self.kill()
        raise WorkerStartFailed(f"document worker {reason}")

    def exchange(
        self, job: tuple[Any, ...], files: Sequence[int], wall_seconds: float
    ) -> _Outcome | None:
        try:
            self.connection.send(job)
            if files:
                socket.send_fds(self.channel, [b"F"], list(files))
            if not self.connection.poll(wall_seconds):
                return None
            # JSON, never unpickled: code running in the worker must not reach this process.
            answer = json.loads(self.connection.recv_bytes(_MAX_ANSWER_BYTES))
        except (EOFError, OSError, ValueError):
            return None
        return _outcome_from(answer)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 1.0) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(grace)
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        with contextlib.suppress(OSError):
            self.connection.close()
        with contextlib.suppress(OSError):
            self.channel.close()


def _open_job_files(inputs: Sequence[Path], output: Path) -> list[int]:
    """Descriptors for a job: the inputs read-only, the output created empty (0600) for
    reading and writing. The worker gets these and nothing else of the file system."""
    descriptors: list[int] = []
    try:
        for path in inputs:
            descriptors.append(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC))
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptors.append(os.open(output, flags, 0o600))
    except BaseException:
        for descriptor in descriptors:
            os.close(descriptor)
        raise
    return descriptors


def _hashed(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
        return handle.tell(), digest.hexdigest()


class IsolatedWorkerPool:
    """Thread-safe: each call borrows one worker; callers block while all are busy.

    The constructor starts the worker processes without waiting for them (wait_ready() does);
    a job waits for its worker's start-up, then gets the whole of `wall_seconds`."""

    def __init__(
        self,
        workers: int = 2,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        cpu_seconds: int = DEFAULT_CPU_SECONDS,
        wall_seconds: float = DEFAULT_WALL_SECONDS,
        start_seconds: float = DEFAULT_START_SECONDS,
        file_bytes: int = DEFAULT_FILE_BYTES,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self.start_seconds = start_seconds
        self.file_bytes = file_bytes
        # Every worker mounts its own empty root over this folder, in its own mount namespace:
        # the folder stays empty for everyone else.
        self._root_dir = tempfile.mkdtemp(prefix="jht-worker-root-")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self.memory_bytes, self.cpu_seconds, self.file_bytes, self._root_dir)
        with self._lock:
            self._all = [w for w in self._all if w.alive()] + [worker]
        return worker

    def worker_process_ids(self) -> list[int]:
        """The running workers' process ids (for operators and the confinement tests)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.alive()]

    def wait_ready(self) -> None:
        """Blocks until every worker started so far is ready (e.g. at server start, so that
        the first uploads do not wait for interpreter start-up)."""
        with self._lock:
            starting = list(self._all)
        for worker in starting:
            with contextlib.suppress(WorkerStartFailed):
                worker.wait_ready(self.start_seconds)

    def run(self, function: JobFunction, *args: Any) -> Any:
        """function(*args) in a worker (function must be importable, args picklable); its
        value comes back through JSON. DocumentRejected comes back as itself; a crash, a hang,
        running out of memory or an answer that is not one comes back as
        DocumentRejected("processing_failed")."""
        return self._run(function, args, [])

    def _run(self, function: JobFunction, args: tuple[Any, ...], files: Sequence[int]) -> Any:
        if self._closed:
            raise RuntimeError("IsolatedWorkerPool is closed")
        worker = self._idle.get()
        try:
            if worker is None or not worker.alive():
                if worker is not None:
                    worker.kill()
                worker = None
                worker = self._spawn()
            # Start-up (interpreter, imports) is waited for here, outside the job's limit.
            worker.wait_ready(self.start_seconds)
            outcome = worker.exchange((function, args, len(files)), files, self.wall_seconds)
            if outcome is None or outcome.retire:
                worker.kill()
                # The replacement starts now and gets ready while nobody waits for it.
                worker = None if self._closed else self._spawn()
        except WorkerStartFailed:
            worker = None
            raise
        finally:
            self._idle.put(worker)
        if outcome is None:
            raise DocumentRejected("processing_failed", detail="worker crashed or timed out")
        if outcome.ok:
            return outcome.value
        raise outcome.value

    def _run_on_files(
        self, function: JobFunction, inputs: Sequence[Path], output: Path, *args: Any
    ) -> BuiltDocument:
        """function(input_files, output_file, *args) in a worker, which gets the open files
        and nothing else. The page count is the worker's; size and SHA-256 are computed here
        from what it wrote. On any failure `output` does not exist."""
        try:
            descriptors = _open_job_files(inputs, output)
            try:
                value = self._run(function, args, descriptors)
            finally:
                for descriptor in descriptors:
                    os.close(descriptor)
            pages = value.get("pages") if isinstance(value, dict) else None
            if type(pages) is not int or pages < 1:
                raise DocumentRejected("processing_failed", detail="worker answer without pages")
            size, sha256 = _hashed(output)
            return BuiltDocument(pages=pages, size_bytes=size, sha256=sha256)
        except BaseException:
            with contextlib.suppress(OSError):
                output.unlink()
            raise

    def build_document(
        self, inputs: Sequence[Path], output: Path, limits: UploadLimits | None = None
    ) -> BuiltDocument:
        """merge.build_document_pdf() in a worker. On any failure `output` does not exist."""
        limits = limits or UploadLimits()
        built = self._run_on_files(write_document_pdf, inputs, output, limits)
        if built.pages > limits.max_pages:
            output.unlink()
            raise DocumentRejected("processing_failed", detail="worker answer beyond the limit")
        return built

    def build_bundle(self, parts: Sequence[tuple[str, Path]], output: Path) -> BuiltDocument:
        """merge.build_review_bundle() in a worker."""
        titles = [title for title, _ in parts]
        return self._run_on_files(write_review_bundle, [path for _, path in parts], output, titles)

    async def build_document_async(
        self, inputs: Sequence[Path], output: Path, limits: UploadLimits | None = None
    ) -> BuiltDocument:
        return await asyncio.to_thread(self.build_document, inputs, output, limits)

    async def build_bundle_async(
        self, parts: Sequence[tuple[str, Path]], output: Path
    ) -> BuiltDocument:
        return await asyncio.to_thread(self.build_bundle, parts, output)

    def close(self, timeout: float = 30.0) -> None:
        """Stops the workers, waiting up to `timeout` for running jobs to hand theirs back."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for _ in range(self.workers):
            try:
                worker = self._idle.get(timeout=timeout)
            except queue.Empty:
                break
            if worker is not None:
                worker.stop()
        with self._lock:
            leftovers = [w for w in self._all if w.alive()]
        for worker in leftovers:
            worker.kill()
        with contextlib.suppress(OSError):
            os.rmdir(self._root_dir)

    def __enter__(self) -> IsolatedWorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
