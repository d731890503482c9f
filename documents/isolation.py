"""Runs untrusted-file parsing in a pool of reused worker processes with memory, CPU and
wall-clock limits, so that a hostile file (crash, hang, bomb) costs one job a 422, never the
server process.

Each worker is a fresh interpreter (subprocess, `python -c`) that imports only documents
modules: never the server's `__main__` (with multiprocessing's spawn or forkserver every worker
re-imports it, which for `jht serve` is the whole CLI: seconds per worker). A worker says it is
ready once its imports are done; a job is sent only to a ready worker, so start-up never counts
against a job's wall-clock limit. A killed worker's replacement starts at once in the
background, while the pool serves others.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import queue
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from documents.errors import DocumentRejected
from documents.limits import UploadLimits
from documents.merge import BuiltDocument, build_document_pdf, build_review_bundle

T = TypeVar("T")

DEFAULT_MEMORY_BYTES = 768 * 1024 * 1024
DEFAULT_CPU_SECONDS = 10
# Below the spec's 15 s answer time for hostile files, leaving room for the respawn.
DEFAULT_WALL_SECONDS = 12.0
# Interpreter start-up and the imports of pypdf, Pillow and img2pdf: under a second, several on
# a loaded machine. Waited for before a job is sent; never part of a job's wall-clock limit.
DEFAULT_START_SECONDS = 120.0

_READY = "ready"
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD_CODE = "from documents.isolation import _child_main; _child_main()"


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
    """A worker process's entry: `python -c _CHILD_CODE FD MEMORY_BYTES CPU_SECONDS`."""
    descriptor, memory_bytes, cpu_seconds = (int(value) for value in sys.argv[1:4])
    _worker_main(Connection(descriptor), memory_bytes, cpu_seconds)


def _worker_main(connection: Connection, memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # The imported modules (pypdf, Pillow, img2pdf: ~35,000 objects) live as long as the worker:
    # frozen, the collection after each job walks only that job's objects (~20 ms -> <1 ms).
    gc.collect()
    gc.freeze()
    try:
        connection.send(_READY)
    except OSError:
        return
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        function, args = job
        _set_cpu_budget(cpu_seconds)
        try:
            outcome = _Outcome(True, function(*args))
        except DocumentRejected as rejected:
            outcome = _Outcome(False, rejected)
        except MemoryError:
            outcome = _Outcome(
                False, DocumentRejected("processing_failed", detail="worker out of memory"), True
            )
        except Exception as error:
            outcome = _Outcome(
                False,
                DocumentRejected("processing_failed", detail=f"{type(error).__name__}: {error}"),
            )
        try:
            connection.send(outcome)
        except (OSError, MemoryError):
            return
        if outcome.retire:
            return
        # Parsed PDFs are large cyclic object graphs: freed before the next job, but after the
        # answer has gone, so that the caller does not wait for it.
        del job, function, args, outcome
        gc.collect()


class _Worker:
    """One worker process: a new interpreter running _child_main(), talked to over a socket
    pair with multiprocessing's pickling Connection. Starting one does not wait for it."""

    def __init__(self, memory_bytes: int, cpu_seconds: int) -> None:
        parent_end, child_end = socket.socketpair()
        environment = dict(os.environ)
        # The child imports the same documents package as this process, wherever it runs.
        search = [_PACKAGE_ROOT, *filter(None, environment.get("PYTHONPATH", "").split(":"))]
        environment["PYTHONPATH"] = ":".join(dict.fromkeys(search))
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _CHILD_CODE,
                    str(child_end.fileno()),
                    str(memory_bytes),
                    str(cpu_seconds),
                ],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                env=environment,
            )
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        self.connection = Connection(parent_end.detach())
        self.ready = False
        # The pool's warm-up and the job's borrower may both wait for the ready message:
        # only one of them reads it, and nobody reads the connection once it is ready.
        self._ready_lock = threading.Lock()

    def wait_ready(self, timeout: float) -> None:
        """Blocks until the worker has done its imports and waits for a job."""
        with self._ready_lock:
            if self.ready:
                return
            try:
                if self.connection.poll(timeout) and self.connection.recv() == _READY:
                    self.ready = True
                    return
            except (EOFError, OSError):
                pass
            self.kill()
        raise WorkerStartFailed(f"document worker not ready within {timeout:g} s")

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
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self.start_seconds = start_seconds
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self.memory_bytes, self.cpu_seconds)
        with self._lock:
            self._all = [w for w in self._all if w.alive()] + [worker]
        return worker

    def wait_ready(self) -> None:
        """Blocks until every worker started so far is ready (e.g. at server start, so that
        the first uploads do not wait for interpreter start-up)."""
        with self._lock:
            starting = list(self._all)
        for worker in starting:
            with contextlib.suppress(WorkerStartFailed):
                worker.wait_ready(self.start_seconds)

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """function(*args) in a worker (function must be importable, args picklable).
        DocumentRejected comes back as itself; a crash, a hang or running out of memory
        comes back as DocumentRejected("processing_failed")."""
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
            outcome = self._exchange(worker, (function, args))
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
            return outcome.value  # type: ignore[no-any-return]
        raise outcome.value

    def _exchange(self, worker: _Worker, job: tuple[Any, ...]) -> _Outcome | None:
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self.wall_seconds):
                return None
            outcome = worker.connection.recv()
        except (EOFError, OSError):
            return None
        return outcome if isinstance(outcome, _Outcome) else None

    def build_document(
        self, inputs: Sequence[Path], output: Path, limits: UploadLimits | None = None
    ) -> BuiltDocument:
        """build_document_pdf() in a worker. On any failure `output` does not exist."""
        try:
            return self.run(build_document_pdf, list(inputs), output, limits or UploadLimits())
        except BaseException:
            with contextlib.suppress(OSError):
                output.unlink()
            raise

    def build_bundle(self, parts: Sequence[tuple[str, Path]], output: Path) -> BuiltDocument:
        try:
            return self.run(build_review_bundle, list(parts), output)
        except BaseException:
            with contextlib.suppress(OSError):
                output.unlink()
            raise

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

    def __enter__(self) -> IsolatedWorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
