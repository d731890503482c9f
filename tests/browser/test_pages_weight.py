"""Light pages (issue 18, item 9; quality.md's phone pages row): every applicant page state at
most 50 KB over the wire from a cold cache in real Chromium, text sent gzip'd, static files
under fingerprinted names kept a year, and a favicon. Bytes are deterministic, so the limit is
asserted here; the render time on emulated slow 3G is a figure of bench/bench_pages.py."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from claims.http.compression import GzipTextMiddleware
from tests.browser.axe import assert_no_axe_violations, axe_violations
from tests.browser.conftest import PHONE, Site
from tests.browser.page_states import (
    PAGE_WEIGHT_LIMIT_BYTES,
    PageMeter,
    applicant_page_states,
    short_url,
)
from tests.e2e.conftest import Api

IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
TEXT_CHUNKS = [b"line %d of a long text answer\n" % n * 20 for n in range(50)]


@pytest.mark.browser
def test_every_applicant_page_state_weighs_at_most_50_kb(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    static_answers: list[tuple[str, dict[str, str]]] = []
    page.on(
        "response",
        lambda answer: (
            static_answers.append((answer.url, answer.all_headers()))
            if "/static/" in answer.url
            else None
        ),
    )
    meter = PageMeter(page)
    costs = [meter.measure(state) for state in applicant_page_states(page, site)]
    context.close()

    assert [cost.name for cost in costs] == [
        "home",
        "apply",
        "apply_errors",
        "claim",
        "claim_document",
        "claim_check",
        "track",
        "track_result",
        "sign_in",
        "sign_in_code",
        "balance",
        "simulation",
        "simulation_result",
    ]
    heavy = [
        f"{cost.name}: {cost.total_bytes} bytes "
        + ", ".join(f"{short_url(url)} {size}" for url, size in cost.bytes_by_url.items())
        for cost in costs
        if cost.total_bytes > PAGE_WEIGHT_LIMIT_BYTES
    ]
    assert heavy == []
    # Each state loaded its page and, from the cold cache, the stylesheet.
    for cost in costs:
        assert any("/static/site." in url for url in cost.bytes_by_url), cost
    # What Chromium itself was sent for the stylesheet and the upload script.
    fingerprinted = [(url, h) for url, h in static_answers if re.search(r"\.[0-9a-f]{8}\.", url)]
    assert {re.sub(r"\.[0-9a-f]{8}\.", ".", short_url(url)) for url, _ in fingerprinted} >= {
        "/static/site.css",
        "/static/upload.js",
    }
    for url, headers in fingerprinted:
        assert headers["cache-control"] == IMMUTABLE, url
        if url.endswith((".css", ".js")):
            assert headers["content-encoding"] == "gzip", url


def test_static_files_are_fingerprinted_gzipped_and_kept_a_year(api: Api) -> None:
    home = api.client.get("/", headers={"Accept-Encoding": "gzip"})
    assert home.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in home.headers["vary"]
    links = STATIC_LINK.findall(home.text)
    assert {re.sub(r"\.[0-9a-f]{8}\.", ".", link) for link in links} == {
        "/static/site.css",
        "/static/favicon.svg",
    }
    for link in links:
        answer = api.client.get(link, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, link
        assert answer.headers["cache-control"] == IMMUTABLE
        if link.endswith(".css"):
            assert answer.headers["content-encoding"] == "gzip"
            assert int(answer.headers["content-length"]) < len(answer.content) / 2
    # Pages rendered before a release still find their files, kept only briefly.
    for old in ("/static/site.css", "/static/site.00000000.css"):
        answer = api.client.get(old)
        assert (
            answer.status_code == 200 and answer.headers["cache-control"] == "public, max-age=300"
        )
    assert api.client.get("/static/nothing.css").status_code == 404


def test_the_favicon_is_a_real_icon_kept_a_week(api: Api) -> None:
    answer = api.client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert answer.headers["cache-control"] == "public, max-age=604800"
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert '<link rel="icon" href="/static/favicon.' in api.client.get("/track").text


def test_api_answers_to_a_client_without_gzip_are_untouched(api: Api) -> None:
    plain = {"Accept-Encoding": "identity"}
    tracking = api.client.get("/api/v1/tracking/00000000000", headers=plain)
    assert "content-encoding" not in tracking.headers
    assert "Accept-Encoding" not in tracking.headers.get("vary", "")
    # A problem+json answer to a client that asks for gzip is still one, decoded as usual.
    missing = api.client.get("/api/v1/no-such-thing", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404
    # A page sent plain says it varies, so that no cache hands its gzip'd copy to this client.
    page = api.client.get("/track", headers=plain)
    assert "content-encoding" not in page.headers and "Accept-Encoding" in page.headers["vary"]


@pytest.fixture
def streaming_client() -> Iterator[TestClient]:
    """The middleware around a small app that streams: text in chunks, and a PDF."""

    async def text_stream(request: Request) -> Response:
        async def chunks() -> Any:
            for chunk in TEXT_CHUNKS:
                yield chunk

        return StreamingResponse(chunks(), media_type="text/plain")

    async def pdf(request: Request) -> Response:
        body = b"%PDF-1.7\n" + b"0" * 50_000
        return Response(body, media_type="application/pdf")

    app = Starlette(routes=[Route("/text", text_stream), Route("/file.pdf", pdf)])
    with TestClient(GzipTextMiddleware(app)) as client:
        yield client


def test_streamed_text_is_gzipped_chunk_by_chunk_and_files_pass_as_they_are(
    streaming_client: TestClient,
) -> None:
    with streaming_client.stream("GET", "/text", headers={"Accept-Encoding": "gzip"}) as answer:
        assert answer.headers["content-encoding"] == "gzip"
        assert "content-length" not in answer.headers
        raw = b"".join(answer.iter_raw())
    assert gzip.decompress(raw) == b"".join(TEXT_CHUNKS)

    document = streaming_client.get("/file.pdf", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in document.headers
    assert document.headers["content-length"] == str(50_009)


@pytest.mark.browser
def test_the_axe_helper_reports_violations_and_passes_a_clean_page(
    site: Site, browser: Any
) -> None:
    """With JavaScript on and off (timers do not fire there; tests/browser/axe.py)."""
    for javascript in (True, False):
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(site.url("/track"))
        assert_no_axe_violations(page)
        page.evaluate("() => document.querySelector('label[for=kpj]').remove()")
        assert "label" in {violation["id"] for violation in axe_violations(page)}
        context.close()
