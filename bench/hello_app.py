"""The "hello" ceiling of quality.md: an async FastAPI endpoint returning a small JSON object,
served with the same uvicorn settings and worker count as the API under test.

Run: uvicorn --factory --app-dir bench hello_app:create_app --workers 1 --log-level warning
"""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="hello")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"status": "ok", "message": "hello"}

    return app
