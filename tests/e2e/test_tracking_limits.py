"""Public tracking's per-KPJ limit counts the KPJ, not its spelling: `2600000000-5`,
`26.000000005` and `2600 0000 005` are one KPJ and share one window, through the API and the
/track page alike."""

from __future__ import annotations

import re

from claims.ratelimits import RateLimiter, RateLimits
from tests.e2e.conftest import Api

# The per-client limit lifted, so that the per-KPJ one answers.
LIMITS = RateLimits(
    default_per_client="100000/minute", tracking_per_client="1000/minute", tracking_per_kpj="3/hour"
)
SPELLINGS = ("2600000000-5", "26.000000005", "2600 0000 005")


def test_the_api_counts_every_spelling_of_a_kpj_against_that_kpj(api: Api) -> None:
    api.client.app.state.rate_limiter = RateLimiter("memory://", LIMITS)  # type: ignore[attr-defined]
    for spelling in SPELLINGS:
        answer = api.client.get(f"/api/v1/tracking/{spelling}")
        assert answer.status_code == 200 and answer.json()["kpj"] == "26000000005", answer.text
    refused = api.client.get("/api/v1/tracking/26000000005")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert api.client.get("/api/v1/tracking/26000000006").status_code == 200


def test_the_track_page_counts_every_spelling_of_a_kpj_against_that_kpj(api: Api) -> None:
    api.client.app.state.rate_limiter = RateLimiter("memory://", LIMITS)  # type: ignore[attr-defined]
    page = api.client.get("/track")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None

    def look_up(kpj: str) -> int:
        form = {"csrf_token": found.group(1), "kpj": kpj}
        return api.client.post("/track", data=form).status_code

    assert [look_up(spelling) for spelling in SPELLINGS] == [200, 200, 200]
    assert look_up("26000000005") == 429
    assert look_up("26000000006") == 200
