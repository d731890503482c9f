"""Running test code concurrently: threads released together, coroutines in a loop of their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

A = TypeVar("A")
R = TypeVar("R")


def all_at_once(call: Callable[[A], R], arguments: Sequence[A]) -> list[R]:
    """`call(argument)` for every argument, each in a thread of its own, all released at
    the same moment; the results in the order of `arguments`. The first exception raised in
    a thread is raised here, not lost with the thread."""
    barrier = threading.Barrier(len(arguments))
    results: list[R | None] = [None] * len(arguments)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call(arguments[index])
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(arguments))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results  # type: ignore[return-value]


def run_in_own_loop(coroutine: Coroutine[Any, Any, R]) -> R:
    """asyncio.run in a thread of its own: an earlier test in the same session (the browser
    tests' playwright) may leave an event loop running in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()
