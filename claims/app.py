"""The one `create_app()`: the HTTP API, pages and, unless switched off, the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from claims.runtime import Runtime, open_runtime
from claims.settings import Settings, get_settings

API_DESCRIPTION = (
    "Online JHT claims: identity verification, documents, interview, approval and payout. "
    "Errors are RFC 9457 problem+json with a machine-readable `code`."
)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or (runtime.settings if runtime else get_settings())
    owns_runtime = runtime is None
    runtime = runtime or open_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_runtime:
            runtime.close()

    app = FastAPI(
        title="jht-claims",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = runtime

    @app.get("/healthz", tags=["public"])
    def healthz() -> dict[str, str]:
        """Liveness and readiness: the database answers, and whether this process schedules."""
        try:
            with runtime.db.read_only() as session:
                session.execute(text("SELECT 1"))
            database = "ok"
        except Exception:
            database = "unavailable"
        scheduler = "on" if settings.scheduler else "off"
        status = "ok" if database == "ok" else "degraded"
        return {"status": status, "database": database, "scheduler": scheduler}

    return app
