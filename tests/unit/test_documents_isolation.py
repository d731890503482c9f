"""The worker pool survives crashes, hangs, CPU burners and memory hogs, costing only that
job a 422, and serves callers from several threads."""

from __future__ import annotations

import hashlib
import io
import os
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from documents.errors import DocumentRejected
from documents.isolation import IsolatedWorkerPool
from tests import corpus


@pytest.fixture(scope="module")
def pool() -> Iterator[IsolatedWorkerPool]:
    with IsolatedWorkerPool(
        workers=2, memory_bytes=512 * 1024 * 1024, cpu_seconds=2, wall_seconds=20
    ) as workers:
        yield workers


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (os.abort, ()),  # a segfault-like crash (SIGABRT)
        (os._exit, (3,)),  # the worker disappears
        (bytearray, (2_000_000_000,)),  # past RLIMIT_AS: MemoryError
        (sum, (range(10**13),)),  # a CPU burner: RLIMIT_CPU kills it
    ],
)
def test_failures_cost_one_job(
    pool: IsolatedWorkerPool, tmp_path: Path, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    with pytest.raises(DocumentRejected) as caught:
        pool.run(function, *args)
    assert (caught.value.code, caught.value.status) == ("processing_failed", 422)
    assert pool.run(len, "abc") == 3


def test_a_hang_is_killed_at_the_wall_clock_limit(tmp_path: Path) -> None:
    with IsolatedWorkerPool(workers=1, wall_seconds=0.5) as pool:
        with pytest.raises(DocumentRejected) as caught:
            pool.run(time.sleep, 30)
        assert caught.value.code == "processing_failed"
        assert pool.run(len, "ab") == 2


def test_rejections_come_back_as_themselves(pool: IsolatedWorkerPool, tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(corpus.user_password_pdf())
    with pytest.raises(DocumentRejected) as caught:
        pool.build_document([source], tmp_path / "out.pdf")
    assert (caught.value.code, caught.value.file_index) == ("pdf_password_protected", 0)
    assert "kata sandi" in caught.value.message_id


def test_serves_many_threads(pool: IsolatedWorkerPool, tmp_path: Path) -> None:
    sources = []
    for index in range(8):
        path = tmp_path / f"{index}.pdf"
        path.write_bytes(corpus.pdf_pages(index + 1))
        sources.append(path)
    with ThreadPoolExecutor(max_workers=6) as threads:
        built = list(
            threads.map(
                lambda item: pool.build_document([item[1]], tmp_path / f"out{item[0]}.pdf"),
                enumerate(sources),
            )
        )
    assert [document.pages for document in built] == list(range(1, 9))


def test_closed_pool_refuses_work() -> None:
    pool = IsolatedWorkerPool(workers=1)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.run(len, "a")


def noisy_scan(target_bytes: int = 8_000_000) -> bytes:
    """A noisy JPEG (it does not compress away) of at least `target_bytes`, like a phone scan."""
    rng = random.Random(8)
    width, height = 3000, 2250
    while True:
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88)
        if buffer.tell() >= target_bytes:
            return buffer.getvalue()
        width, height = int(width * 1.1), int(height * 1.1)


def test_a_fresh_pools_first_job_on_an_8_mb_scan_succeeds(tmp_path: Path) -> None:
    source = tmp_path / "scan.jpg"
    source.write_bytes(noisy_scan())
    # Default limits (12 s wall clock): worker start-up is waited for before the job is sent.
    with IsolatedWorkerPool(workers=2) as fresh:
        built = fresh.build_document([source], tmp_path / "out.pdf")
    assert built.pages == 1
    assert built.size_bytes > source.stat().st_size
    assert hashlib.sha256((tmp_path / "out.pdf").read_bytes()).hexdigest() == built.sha256


def test_start_up_is_not_part_of_the_wall_clock_limit() -> None:
    # A limit far below an interpreter's start-up plus the imports of pypdf and Pillow.
    with IsolatedWorkerPool(workers=1, wall_seconds=0.2) as fresh:
        assert fresh.run(len, "abc") == 3


def test_workers_do_not_import_the_parents_main_module(pool: IsolatedWorkerPool) -> None:
    # Here __main__ is pytest's script; in `jht serve` it is the CLI and the whole server.
    question = "sorted(set(__import__('sys').modules) & {'_pytest', 'pytest', 'claims'})"
    assert pool.run(eval, question) == []
    main_file = "getattr(__import__('sys').modules['__main__'], '__file__', None)"
    assert pool.run(eval, main_file) is None
    assert pool.run(eval, "'documents.merge' in __import__('sys').modules") is True
