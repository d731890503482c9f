"""Document upload throughput and memory (quality.md, Performance): 4 concurrent uploads of a
10 MB scan (a JPEG just under the 10 MB per-file limit) through PUT /documents/{type} of a
real `jht serve` process, against the raw-upload ceiling (bench/raw_upload_app.py: the same
bytes streamed as a raw request body to a file, same uvicorn settings). Target: at least 0.50
of raw; the server's process tree (RSS, sampled with psutil) grows by at most 60 MB.

    .venv/bin/python bench/bench_upload.py [--rounds 3] [--database-url URL]
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
    """A noisy JPEG (it does not compress away) as close under 10 MB as the size steps allow."""
    rng = random.Random(seed)
    width, height = 3600, 2700
    while True:
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88)
        if buffer.tell() <= LIMIT - 20_000:
            return buffer.getvalue()
        width, height = int(width * 0.97), int(height * 0.97)


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
    parser.add_argument("--rounds", type=int, default=3)
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
    jht_times: list[float] = []
    jht_growth: list[int] = []
    try:
        with server.client() as client:
            claims = [create_claim(client, label, reason) for label, reason in LABELS]
            # Warm-up with a small file: the document workers start on the first upload, and
            # a 10 MB scan on a cold pool can pass the workers' 12 s wall-clock limit.
            small = Image.new("RGB", (200, 100))
            buffer = io.BytesIO()
            small.save(buffer, "JPEG")
            content_type, body = multipart_body([("warm.jpg", buffer.getvalue())])
            warm = client.put(
                f"/api/v1/claims/{claims[0].id}/documents/ktp",
                content=body,
                headers={**claims[0].auth, "Content-Type": content_type},
            )
            assert warm.status_code == 200, warm.text
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
            print(
                f"  jht round {number + 1}: {elapsed:.3f} s, RSS +{growth / 1e6:.1f} MB", flush=True
            )
    finally:
        server.stop()

    raw_times = raw_ceiling(work, [body for _, _, body in requests], arguments.rounds)
    payload = sum(len(body) for _, _, body in requests)
    jht_best, raw_best = min(jht_times), min(raw_times)
    details = {
        "payload_bytes": payload,
        "jht_seconds": jht_times,
        "raw_seconds": raw_times,
        "rss_growth_bytes": jht_growth,
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
    }
    record("upload_raw_4x10mb", payload / raw_best / 1e6, "MB/s", details=details)
    ok = record(
        "upload_jht_4x10mb",
        payload / jht_best / 1e6,
        "MB/s",
        ratio=raw_best / jht_best,
        target=0.5,
        higher_is_better=True,
        details=details,
    )
    peak = max(jht_growth)
    ok_memory = record(
        "upload_jht_rss_growth", peak / 1e6, "MB", ratio=peak / 60e6, target=1.0, details=details
    )
    print(
        f"median jht {statistics.median(jht_times):.3f} s, raw {statistics.median(raw_times):.3f} s",
        flush=True,
    )
    return 0 if ok and ok_memory else 1


def raw_ceiling(work: Path, bodies: list[bytes], rounds: int) -> list[float]:
    port = free_port()
    env = {**os.environ, "RAW_UPLOAD_DIR": str(work)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "raw_upload_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
            "--workers",
            "1",
        ],
        cwd=ROOT / "bench",
        env=env,
    )
    times = []
    try:
        wait_until_healthy_raw(port, process)
        requests = [("/upload", {"Content-Type": "application/octet-stream"}, b) for b in bodies]
        for number in range(rounds):
            elapsed, growth, statuses = concurrent_puts(
                f"http://127.0.0.1:{port}", requests, process.pid
            )
            assert statuses == [200] * len(bodies), statuses
            times.append(elapsed)
            print(
                f"  raw round {number + 1}: {elapsed:.3f} s, RSS +{growth / 1e6:.1f} MB", flush=True
            )
    finally:
        process.terminate()
        process.wait(timeout=20)
    return times


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
