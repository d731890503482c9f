"""The raw-upload ceiling for bench_upload.py: a tiny Starlette app that streams the request
body, as it is, to a file (fsynced), with no multipart parsing, checks or database."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TARGET = Path(os.environ.get("RAW_UPLOAD_DIR", tempfile.gettempdir()))


async def receive(request: Request) -> JSONResponse:
    path = TARGET / f"raw-{uuid.uuid4().hex}"
    size = 0
    with path.open("wb") as handle:
        async for chunk in request.stream():
            handle.write(chunk)
            size += len(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    return JSONResponse({"size": size})


app = Starlette(routes=[Route("/upload", receive, methods=["PUT"])])
