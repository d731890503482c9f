"""Pages in a real Chromium: the app served by uvicorn in a thread over the test database
(SQLite or PostgreSQL), the samples loaded and the clock at the samples' day; Debian's
Chromium driven by Playwright. Skipped only when /usr/bin/chromium is absent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.ratelimits import RateLimits
from claims.runtime import Runtime
from claims.settings import Settings
from tests.e2e.conftest import api  # noqa: F401  (the TestClient fixture, for test_pages_http)
from tests.e2e.serving import free_port
from tests.support import NOW, load_samples

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SCANS = ROOT / "samples" / "scans"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class Site:
    base_url: str
    runtime: Runtime
    db: Database

    def set_now(self, moment: datetime) -> None:
        self.runtime.clock.set_offset(moment - datetime.now(UTC))

    def url(self, path: str) -> str:
        return self.base_url + path


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


SMS_SECRET = "browser-tests-sms-secret"


@pytest.fixture
def site(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[Site]:
    load_samples(db, tmp_path / "samples")
    # The SMS webhook answers once its secret is set (tests/browser/test_pages_channels.py).
    settings = Settings(
        data_dir=data_dir, database_url=db.url, scheduler=False, sms_secret=SMS_SECRET
    )
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(
            default_per_client="100000/minute", tracking_per_client="1000/minute"
        ),
    )
    server, thread, base_url = serve(app)
    result = Site(base_url, runtime, db)
    result.set_now(NOW)
    try:
        yield result
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        runtime.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-artifacts/screenshots, named by page and viewport."""
    size = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
