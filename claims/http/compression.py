"""gzip for text answers (pages, CSS, JavaScript, SVG, JSON) when the client accepts it: a page
of 30 KB leaves as 6 to 8 KB, which on a slow phone line is most of the wait.

Only the media types listed are compressed, so a document download (PDF, images) streams as
it is, with its Content-Length; an answer already encoded, a partial one (206) and one smaller
than `minimum_size` are left alone. A request without `gzip` in Accept-Encoding (wrk, most
API clients) goes straight through: an API answer is not even looked at, so the benchmarked
lookups pay one scan of the request headers and nothing else.

Starlette's GZipMiddleware compresses every type it does not exclude (PDFs included) and wraps
every answer, gzip or not; hence this one."""

from __future__ import annotations

import zlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "image/svg+xml",
        "application/json",
        "application/problem+json",
    }
)
# Below about a kilobyte gzip saves less than a packet and costs a compressor.
MINIMUM_SIZE = 1024
# Level 6 (zlib's default) gets within a few percent of 9 at a third of the CPU.
COMPRESS_LEVEL = 6
# The API answers JSON to programs, not to a browser's cache: with no gzip asked for, its
# answers are not wrapped to add Vary (the pages' and static files' are).
API_PREFIX = "/api/"


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return gzip_in(value)
    return False


def gzip_in(accept_encoding: bytes) -> bool:
    if b"gzip" not in accept_encoding and b"*" not in accept_encoding:
        return False
    for coding in accept_encoding.lower().split(b","):
        token, _, parameters = coding.partition(b";")
        if token.strip() in (b"gzip", b"*"):
            return parameters.replace(b" ", b"") not in (b"q=0", b"q=0.0", b"q=0.00")
    return False


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").partition(";")[0].strip().lower()


class GzipTextMiddleware:
    def __init__(
        self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, level: int = COMPRESS_LEVEL
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if accepts_gzip(scope):
                await GzipResponder(self.app, self.minimum_size, self.level)(scope, receive, send)
                return
            if not scope["path"].startswith(API_PREFIX):
                send = vary_on_accept_encoding(send)
        await self.app(scope, receive, send)


def vary_on_accept_encoding(send: Send) -> Send:
    """Marks a compressible answer sent plain as varying with Accept-Encoding, so that a cache
    between us and the client never hands the plain copy's neighbour, gzip, to a client that
    did not ask for it (nor keeps only one of the two)."""

    async def send_with_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if media_type(headers) in COMPRESSIBLE:
                headers.add_vary_header("Accept-Encoding")
        await send(message)

    return send_with_vary


class GzipResponder:
    """One answer to a client that accepts gzip: compressed if it is text and large enough,
    in one piece or, for a streamed answer, chunk by chunk as it comes."""

    def __init__(self, app: ASGIApp, minimum_size: int, level: int) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level
        self.send: Send | None = None
        self.start: Message | None = None
        self.compressor: zlib._Compress | None = None
        self.passing_through = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.send = send
        await self.app(scope, receive, self.send_compressed)

    async def send_compressed(self, message: Message) -> None:
        assert self.send is not None
        kind = message["type"]
        if kind == "http.response.start":
            headers = Headers(raw=message.get("headers", []))
            self.passing_through = (
                message["status"] in (204, 206, 304)
                or "content-encoding" in headers
                or media_type(headers) not in COMPRESSIBLE
            )
            if self.passing_through:
                await self.send(message)
            else:
                self.start = message
            return
        if self.passing_through:
            await self.send(message)
            return
        if kind != "http.response.body":
            # A file sent by path, trailers: nothing to compress; the held start goes first.
            self.passing_through = True
            if self.start is not None:
                await self.send(self.start)
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if self.start is not None:
            start, self.start = self.start, None
            headers = MutableHeaders(scope=start)
            headers.add_vary_header("Accept-Encoding")
            if not more_body and len(body) < self.minimum_size:
                # Small, in one piece: sent as it is, and so is anything after it.
                self.passing_through = True
                await self.send(start)
                await self.send(message)
                return
            self.compressor = zlib.compressobj(self.level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            headers["Content-Encoding"] = "gzip"
            compressed = self.compress(body, more_body)
            if more_body:
                # Streamed: the length is not known in advance any more.
                del headers["Content-Length"]
            else:
                headers["Content-Length"] = str(len(compressed))
            await self.send(start)
            await self.send({**message, "body": compressed})
            return
        await self.send({**message, "body": self.compress(body, more_body)})

    def compress(self, body: bytes, more_body: bool) -> bytes:
        assert self.compressor is not None
        if more_body:
            # A sync flush lets the client read every chunk as soon as it arrives.
            return self.compressor.compress(body) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        return self.compressor.compress(body) + self.compressor.flush()
