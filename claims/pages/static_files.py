"""Static files under names that carry a digest of their content (`site.css` is linked as
`/static/site.<8 hex>.css`), so a browser may keep them for a year and a phone on a slow line
fetches the stylesheet and scripts once, not on every page; a new release changes the names.

The digests are computed once, when the app is made. The plain names are still served, with a
short cache, for pages rendered before a release; so is a fingerprinted name whose digest is
not the current one. Templates link files with `static_url("site.css")`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from claims.pages.page import STATIC_DIR, TEMPLATES

STATIC_PREFIX = "/static"
# A fingerprinted name is immutable: its content can only change under another name.
IMMUTABLE = "public, max-age=31536000, immutable"
# A plain name (or an old digest) may change at the next release: kept briefly.
SHORT = "public, max-age=300"
# /favicon.ico has no digest in its name (browsers ask for that exact path): a week.
FAVICON_CACHE = "public, max-age=604800"
FAVICON = "favicon.ico"
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<suffix>\.[^./]+)$")


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def fingerprinted_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


class FingerprintedStaticFiles(StaticFiles):
    """StaticFiles that also answers each file's fingerprinted name, with the cache headers
    that go with each kind of name."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        self.digests = {
            path.relative_to(directory).as_posix(): digest_of(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }

    def url(self, name: str) -> str:
        """The fingerprinted address of `name` (a path under the static folder)."""
        digest = self.digests.get(name)
        if digest is None:
            raise KeyError(f"no static file {name!r}")
        return f"{STATIC_PREFIX}/{fingerprinted_name(name, digest)}"

    def resolve(self, path: str) -> tuple[str, str]:
        """The file a requested name stands for, and the Cache-Control to answer with."""
        match = FINGERPRINTED.match(path)
        if match is not None:
            plain = match["stem"] + match["suffix"]
            current = self.digests.get(plain)
            if current is not None:
                return plain, IMMUTABLE if current == match["digest"] else SHORT
        return path, SHORT

    async def get_response(self, path: str, scope: Scope) -> Response:
        name, cache_control = self.resolve(path)
        response = await super().get_response(name, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = cache_control
        return response


def install_static_files(app: FastAPI, directory: Path = STATIC_DIR) -> FingerprintedStaticFiles:
    """Mounts /static, answers /favicon.ico and gives the templates `static_url(name)`."""
    files = FingerprintedStaticFiles(directory)
    app.mount(STATIC_PREFIX, files, name="static")
    TEMPLATES.env.globals["static_url"] = files.url
    favicon = directory / FAVICON

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon_ico() -> FileResponse:
        return FileResponse(
            favicon, media_type="image/x-icon", headers={"Cache-Control": FAVICON_CACHE}
        )

    return files
