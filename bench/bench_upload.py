"""Document upload throughput and memory (quality.md, Performance): 4 concurrent uploads of a
10 MB scan (a JPEG just under the 10 MB per-file limit) through PUT /documents/{type} of a
real `jht serve` process, against the raw-upload ceiling (bench/raw_upload_app.py: the same
bytes streamed as a raw request body to a file, same uvicorn settings). Target: at least 0.50
of raw; the server's process tree (server and document workers; RSS sampled with psutil) grows
by at most 60 MB. No warm-up upload: the server starts its document workers itself. Rounds
alternate between jht and raw (the machine is shared and loaded); figures are medians.

    .venv/bin/python bench/bench_upload.py [--rounds 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import record  # noqa: E402

from claims.db import Database  # noqa: E402
from claims.migrate import upgrade_to_head  # noqa: E402
from tests.corpus import multipart_body  # noqa: E402
from tests.e2e.serving import free_port  # noqa: E402
from tests.e2e.upload_support import LiveServer, create_claim  # noqa: E402
from tests.support import load_samples  # noqa: E402

LIMIT = 10_000_000
CONCURRENT = 4
LABELS = [
    ("resignation: left 3 months ago", "resignation"),
    ("termination: PHK 3 months ago", "termination"),
    ("contract_end: contract ended yesterday", "contract_end"),
    ("retirement: turns 56 today", "retirement"),
]


def ten_mb_scan(seed: int) -> bytes:
    """A noisy JPEG (it does not compress away) just under the 10,000,000-byte file limit,
    like the largest phone scan an applicant may send: sized by scaling the pixel count."""
    rng = random.Random(seed)
    width, height = 4000, 3000
    for _ in range(12):
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88)
        if LIMIT - 250_000 <= buffer.tell() <= LIMIT - 20_000:
            return buffer.getvalue()
        scale = ((LIMIT - 120_000) / buffer.tell()) ** 0.5
        width, height = int(width * scale), int(height * scale)
    raise RuntimeError("could not size the scan")


def tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.01)


def concurrent_puts(
    base_url: str, requests: list[tuple[str, dict[str, str], bytes]], pid: int
) -> tuple[float, int, list[int]]:
    """Sends the requests at once; answers (seconds, RSS growth of the server tree, statuses)."""
    baseline = tree_rss(pid)
    sampler = Sampler(pid)
    sampler.start()
    statuses: list[int] = [0] * len(requests)
    barrier = threading.Barrier(len(requests) + 1)

    def send(index: int) -> None:
        path, headers, body = requests[index]
        with httpx.Client(base_url=base_url, timeout=300) as client:
            barrier.wait()
            statuses[index] = client.put(path, content=body, headers=headers).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    return elapsed, max(0, sampler.peak - baseline), statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="jht-bench-upload-"))
    data_dir = work / "var"
    data_dir.mkdir()
    url = arguments.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    db = Database(url)
    upgrade_to_head(db.engine)
    load_samples(db, work / "samples")
    scans = [ten_mb_scan(seed) for seed in range(CONCURRENT)]
    print(f"payload: {CONCURRENT} x JPEG of {[len(s) for s in scans]} bytes", flush=True)

    server = LiveServer(db, data_dir)
    server.start()
    assert server.process is not None
    raw = RawServer(work)
    jht_times: list[float] = []
    jht_growth: list[int] = []
    raw_times: list[float] = []
    try:
        with server.client() as client:
            claims = [create_claim(client, label, reason) for label, reason in LABELS]
        # Rounds alternate between the two servers: the machine is shared and its load
        # changes, so each jht figure has a raw one measured moments apart.
        for number in range(arguments.rounds):
            requests = []
            for claim, scan in zip(claims, scans, strict=True):
                # Different bytes each round, so that nothing is a repeat of a stored file.
                content_type, body = multipart_body(
                    [(f"scan{number}.jpg", scan[:-2] + bytes([number, 0xD9]))]
                )
                requests.append(
                    (
                        f"/api/v1/claims/{claim.id}/documents/foto_diri",
                        {**claim.auth, "Content-Type": content_type},
                        body,
                    )
                )
            elapsed, growth, statuses = concurrent_puts(
                server.base_url, requests, server.process.pid
            )
            assert statuses == [200] * CONCURRENT, statuses
            jht_times.append(elapsed)
            jht_growth.append(growth)
            raw_elapsed = raw.round([body for _, _, body in requests])
            raw_times.append(raw_elapsed)
            print(
                f"  round {number + 1}: jht {elapsed:.3f} s (RSS +{growth / 1e6:.1f} MB), "
                f"raw {raw_elapsed:.3f} s",
                flush=True,
            )
    finally:
        server.stop()
        raw.stop()

    payload = sum(len(body) for _, _, body in requests)
    jht_median, raw_median = statistics.median(jht_times), statistics.median(raw_times)
    growth_median = statistics.median(jht_growth)
    details = {
        "payload_bytes": payload,
        "file_bytes": [len(s) for s in scans],
        "jht_seconds": jht_times,
        "raw_seconds": raw_times,
        "rss_growth_bytes": jht_growth,
        "rss_growth_max_bytes": max(jht_growth),
        "statistic": "median of rounds",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
    }
    record("upload_raw_4x10mb", payload / raw_median / 1e6, "MB/s", details=details)
    ok = record(
        "upload_jht_4x10mb",
        payload / jht_median / 1e6,
        "MB/s",
        ratio=raw_median / jht_median,
        target=0.5,
        higher_is_better=True,
        details=details,
    )
    ok_memory = record(
        "upload_jht_rss_growth",
        growth_median / 1e6,
        "MB",
        ratio=growth_median / 60e6,
        target=1.0,
        details=details,
    )
    print(
        f"median jht {jht_median:.3f} s, raw {raw_median:.3f} s; "
        f"RSS growth median {growth_median / 1e6:.1f} MB, max {max(jht_growth) / 1e6:.1f} MB",
        flush=True,
    )
    return 0 if ok and ok_memory else 1


class RawServer:
    """bench/raw_upload_app.py under uvicorn with the same settings as `jht serve`."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "RAW_UPLOAD_DIR": str(work)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "raw_upload_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-proxy-headers",
                "--workers",
                "1",
            ],
            cwd=ROOT / "bench",
            env=env,
        )
        wait_until_healthy_raw(self.port, self.process)

    def round(self, bodies: list[bytes]) -> float:
        requests = [("/upload", {"Content-Type": "application/octet-stream"}, b) for b in bodies]
        elapsed, _, statuses = concurrent_puts(
            f"http://127.0.0.1:{self.port}", requests, self.process.pid
        )
        assert statuses == [200] * len(bodies), statuses
        return elapsed

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def wait_until_healthy_raw(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("raw upload app exited")
        try:
            httpx.put(f"http://127.0.0.1:{port}/upload", content=b"x", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("raw upload app did not start")


if __name__ == "__main__":
    raise SystemExit(main())
