"""Every state of the applicant's pages, reached the way an applicant reaches it, and what one
costs a phone: bytes over the wire and the time to first contentful paint, read from
Chromium's DevTools protocol. Shared by tests/browser/test_pages_weight.py (the weight limit)
and bench/bench_pages.py (weight and render time on emulated slow 3G).

`applicant_page_states()` is a generator: between two states it does, unmeasured, what the
next one needs (fills a form, applies for a claim, signs in); each state's `visit` is only the
navigation that shows it (an address opened, or a form posted)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.browser.conftest import Site
from tests.browser.pages import apply, page_date
from tests.e2e.participant_helpers import sent_code
from tests.support import sample

# quality.md, the phone pages row: each applicant page at most 50 KB transferred (counted in
# thousands of bytes: the stricter reading) and first rendered within 1.5 s.
PAGE_WEIGHT_LIMIT_BYTES = 50_000
FIRST_RENDER_LIMIT_MS = 1_500

# The participant who applies, tracks, signs in and looks at the balance: one claim, a
# registered e-mail for the sign-in code.
APPLICANT = "resignation: left 3 months ago"
SIMULATION_QUERY = "monthly_wage=6.500.000&birth_date=17-08-1985&wage_growth=3"


@dataclass(frozen=True)
class NetworkProfile:
    """Arguments of CDP's Network.emulateNetworkConditions. Chromium applies `latency_ms` to
    every request and shapes each response's body to the throughput."""

    name: str
    latency_ms: float
    download_bytes_per_s: float
    upload_bytes_per_s: float

    def conditions(self) -> dict[str, Any]:
        return {
            "offline": False,
            "latency": self.latency_ms,
            "downloadThroughput": self.download_bytes_per_s,
            "uploadThroughput": self.upload_bytes_per_s,
        }


# quality.md's "emulated slow 3G", as the lead's brief for issue 18 reads it (and as the usual
# tables of 3G profiles give it): 400 ms per request, 400 kbit/s each way.
SLOW_3G = NetworkProfile("slow3g", 400, 400_000 / 8, 400_000 / 8)
# Chromium DevTools' own "Slow 3G" preset (also Puppeteer's): 400 ms RTT times 5 per request,
# 500 kbit/s (of 1,024) times 0.8. A page with one stylesheet waits at least two round trips.
DEVTOOLS_SLOW_3G = NetworkProfile(
    "devtools_slow3g", 400 * 5, 500 * 1024 / 8 * 0.8, 500 * 1024 / 8 * 0.8
)


@dataclass(frozen=True)
class PageState:
    name: str
    visit: Callable[[], None]


@dataclass
class PageCost:
    """What showing one page state cost, from a cold cache."""

    name: str
    url: str
    bytes_by_url: dict[str, int] = field(default_factory=dict)
    first_contentful_paint_ms: float | None = None

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_by_url.values())


def applicant_page_states(page: Any, site: Site) -> Iterator[PageState]:
    """The states of quality.md's "each applicant page", in an order one applicant can walk:
    home, /apply (empty, then refused), the new claim's task list, a document's page and the
    check page, /track (empty, then answered),
    the sign-in and its code page, the balance, the simulation (empty, then answered)."""
    row = sample(APPLICANT)

    def go(path: str) -> Callable[[], None]:
        return lambda: page.goto(site.url(path))

    def post(selector: str) -> Callable[[], None]:
        def submit() -> None:
            with page.expect_navigation():
                page.locator(selector).click()

        return submit

    yield PageState("home", go("/"))
    yield PageState("apply", go("/apply"))
    # /apply posted empty: every field refused (the form has novalidate).
    yield PageState("apply_errors", post("form[action='/apply'] button[type=submit]"))

    claim_id = apply(page, site, row, "resignation")
    yield PageState("claim", go(f"/claims/{claim_id}"))
    # Two of its task pages: a document's (the upload script and stylesheet) and the check.
    yield PageState("claim_document", go(f"/claims/{claim_id}/dokumen/ktp"))
    yield PageState("claim_check", go(f"/claims/{claim_id}/periksa"))

    yield PageState("track", go("/track"))
    page.locator("#kpj").fill(row["kpj"])
    yield PageState("track_result", post("form[action='/track'] button[type=submit]"))

    yield PageState("sign_in", go("/masuk"))
    page.locator("#kpj").fill(row["kpj"])
    page.locator("#nik").fill(row["nik"])
    page.locator("#birth_date").fill(page_date(row["birth_date"]))
    yield PageState("sign_in_code", post("form[action='/masuk'] button[type=submit]"))

    challenge_id = page.input_value("input[name=challenge_id]")
    page.locator("#code").fill(sent_code(site.db, challenge_id))
    with page.expect_navigation():
        page.locator("form[action='/masuk/kode'] button[type=submit]").click()
    yield PageState("balance", go("/saldo"))

    yield PageState("simulation", go("/simulasi"))
    yield PageState("simulation_result", go(f"/simulasi?{SIMULATION_QUERY}"))


class PageMeter:
    """Counts what Chromium receives for one page, through a DevTools session on it."""

    def __init__(self, page: Any, profile: NetworkProfile | None = None) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        # Emulated network only; the CPU runs at full speed (quality.md names no CPU).
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        self.profile = profile
        self.urls: dict[str, str] = {}
        self.received: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict[str, Any]) -> None:
        redirect = event.get("redirectResponse")
        if redirect is not None:
            # A redirect's answer has no loadingFinished of its own (post/redirect/get).
            key = f"{redirect['url']} ({redirect['status']})"
            self.received[key] = self.received.get(key, 0) + int(
                redirect.get("encodedDataLength", 0)
            )
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        url = self.urls.get(event["requestId"], event["requestId"])
        self.received[url] = self.received.get(url, 0) + int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        raise AssertionError(f"a request failed: {self.urls.get(event['requestId'])} {event}")

    def measure(self, state: PageState) -> PageCost:
        """Shows `state` from a cold cache (a first visit: the stylesheet and scripts too) on
        the emulated network, and reads what came and when the first content was painted."""
        self.cdp.send("Network.clearBrowserCache")
        if self.profile is not None:
            self.cdp.send("Network.emulateNetworkConditions", self.profile.conditions())
        self.received = {}
        try:
            state.visit()
            # Quiet for 500 ms: late requests (an icon) are counted too.
            self.page.wait_for_load_state("networkidle")
            paint = self.page.wait_for_function(
                "() => performance.getEntriesByName('first-contentful-paint')"
                ".map((entry) => entry.startTime)[0]",
                timeout=60_000,
            ).json_value()
        finally:
            self.cdp.send("Network.emulateNetworkConditions", NO_THROTTLING)
        # Playwright's own protocol traffic never goes over the network; drop data: URLs.
        received = {url: size for url, size in self.received.items() if not url.startswith("data:")}
        return PageCost(state.name, self.page.url, received, float(paint))


NO_THROTTLING = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def short_url(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
