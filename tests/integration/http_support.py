"""Shared pieces of the HTTP convention tests: a runtime on the test database, a small app
with the conventions installed, and rows to authenticate against."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import FastAPI

from claims.clock import Clock
from claims.db import Database
from claims.http import install_http_conventions
from claims.models import Branch, Claim, Participant
from claims.ratelimits import RateLimiter, RateLimits
from claims.registry.officers import add_officer
from claims.runtime import Runtime
from claims.security import hash_token, new_token
from claims.settings import Settings

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def make_runtime(db: Database, data_dir: Path) -> Runtime:
    settings = Settings(database_url=db.url, data_dir=data_dir)
    return Runtime(settings=settings, db=db, clock=Clock())


def make_app(runtime: Runtime, *, rate_limits: RateLimits | None = None) -> FastAPI:
    app = FastAPI()
    install_http_conventions(
        app, runtime, rate_limiter=RateLimiter("memory://", rate_limits or RateLimits())
    )
    return app


def add_branch(db: Database, code: str) -> None:
    with db.unit_of_work() as session:
        session.add(
            Branch(
                code=code,
                name=f"Cabang {code}",
                city="Jakarta",
                timezone="Asia/Jakarta",
                opens="08:00",
                closes="15:00",
            )
        )


def add_claim(
    db: Database,
    branch_code: str,
    kpj: str,
    *,
    status: str = "documents_pending",
    sla_due_at: datetime | None = None,
) -> tuple[str, str]:
    """A claim (with its participant) in `branch_code`; returns (claim id, access token)."""
    token = new_token()
    claim_id = str(uuid.uuid4())
    with db.unit_of_work() as session:
        if session.get(Participant, kpj) is None:
            session.add(
                Participant(
                    kpj=kpj,
                    nik="3101012111700001",
                    full_name="Budi Santoso",
                    birth_date=date(1970, 11, 21),
                    gender="M",
                    membership_start=date(1996, 11, 21),
                    membership_status="inactive",
                    employer_name="PT A",
                    employment_end_date=date(2026, 10, 22),
                    balance=210_000_000,
                    email="budi@contoh.id",
                    phone="081200000000",
                    deceased=False,
                    balance_date=date(2026, 1, 1),
                    updated_at=NOW,
                )
            )
            session.flush()
        session.add(
            Claim(
                id=claim_id,
                reference=f"JHT-{claim_id[:8]}",
                kpj=kpj,
                reason="retirement",
                status=status,
                branch_code=branch_code,
                rules_version="test",
                access_token_hash=hash_token(token),
                email="budi@contoh.id",
                phone="081200000000",
                balance_snapshot=210_000_000,
                sla_due_at=sla_due_at,
                created_at=NOW,
                updated_at=NOW,
                last_activity_at=NOW,
            )
        )
    return claim_id, token


def add_officer_token(db: Database, branch_code: str | None, *roles: str) -> str:
    with db.unit_of_work() as session:
        _officer, token = add_officer(session, "Petugas", branch_code, list(roles), NOW)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
