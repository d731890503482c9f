"""Schemathesis against the app's own OpenAPI schema, in-process through ASGI: no 5xx, and
every response conforms to the schema: its body, its status code (declared) and its content
type (problems as application/problem+json). Bounded: 25 examples per operation, no
shrinking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.ratelimits import RateLimits
from claims.runtime import Runtime
from claims.settings import Settings
from tests.support import load_samples

GENEROUS = "1000000/minute"
# Every operation declares every status it answers.
UNDECLARED_STATUSES: set[str] = set()


@pytest.fixture
def schema_app(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[object]:
    load_samples(db, tmp_path / "samples")
    # With an SMS secret: unset, the SMS webhook answers its documented 503 to everything.
    settings = Settings(
        data_dir=data_dir, database_url=db.url, scheduler=False, sms_secret="schemathesis"
    )
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(
            tracking_per_client=GENEROUS,
            tracking_per_kpj=GENEROUS,
            identity_attempts_per_kpj=GENEROUS,
            identity_attempts_per_client=GENEROUS,
            default_per_client=GENEROUS,
        ),
    )
    yield app
    runtime.close()


def test_api_conforms_to_its_schema(schema_app: object) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", schema_app)
    checks = [
        not_a_server_error,
        response_schema_conformance,
        content_type_conformance,
    ]
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            extra = [] if case.operation.label in UNDECLARED_STATUSES else [status_code_conformance]
            case.call_and_validate(checks=[*checks, *extra])

        check()
    assert operations >= 20
