"""Runs untrusted-file parsing in a pool of reused worker processes with memory, CPU and
wall-clock limits, so that a hostile file (crash, hang, bomb) costs one job a 422, never the
server process.

Workers come from the forkserver context (spawn where there is none) with our modules
preloaded, so replacing a killed worker is cheap; a job costs one pipe round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import multiprocessing
import queue
import resource
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
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


def _worker_main(connection: Connection, memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # The imported modules (pypdf, Pillow, img2pdf: ~35,000 objects) live as long as the worker:
    # frozen, the collection after each job walks only that job's objects (~20 ms -> <1 ms).
    gc.collect()
    gc.freeze()
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
    def __init__(self, context: BaseContext, memory_bytes: int, cpu_seconds: int) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.connection: Connection = parent_end
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_worker_main,
            args=(child_end, memory_bytes, cpu_seconds),
            daemon=True,
            name="jht-document-worker",
        )
        self.process.start()
        child_end.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, grace: float = 1.0) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(grace)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()


def _default_context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that already imported pypdf, Pillow and img2pdf.
        context.set_forkserver_preload(["documents.isolation"])
        return context
    return multiprocessing.get_context("spawn")


class IsolatedWorkerPool:
    """Thread-safe: each call borrows one worker; callers block while all are busy."""

    def __init__(
        self,
        workers: int = 2,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        cpu_seconds: int = DEFAULT_CPU_SECONDS,
        wall_seconds: float = DEFAULT_WALL_SECONDS,
        context: BaseContext | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self._context = context or _default_context()
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.memory_bytes, self.cpu_seconds)

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
                worker = self._spawn()
            outcome = self._exchange(worker, (function, args))
            if outcome is None:
                worker.kill()
                worker = None
                raise DocumentRejected("processing_failed", detail="worker crashed or timed out")
            if outcome.retire:
                worker.kill()
                worker = None
        finally:
            self._idle.put(worker)
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

    def __enter__(self) -> IsolatedWorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
