"""An app over a real database with the samples loaded, its clock set to the samples' day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.ratelimits import RateLimits
from claims.runtime import Runtime
from claims.settings import Settings
from tests.support import NOW, load_samples


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    db: Database

    def set_now(self, moment) -> None:  # type: ignore[no-untyped-def]
        from datetime import UTC, datetime

        self.runtime.clock.set_offset(moment - datetime.now(UTC))


@pytest.fixture
def api(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[Api]:
    load_samples(db, tmp_path / "samples")
    settings = Settings(data_dir=data_dir, database_url=db.url, scheduler=False)
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(default_per_client="100000/minute"),
    )
    with TestClient(app) as client:
        result = Api(client, runtime, db)
        result.set_now(NOW)
        yield result
    runtime.close()
