"""Public tracking, `/track`: the five steps of each claim of a KPJ, nothing personal; the
booked interview's time where the branch is (a time is not personal)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from claims.casework.schemas import TrackingView
from claims.casework.tracking import STEP_LABELS, tracking_view
from claims.errors import TooManyRequests
from claims.http.csrf import CSRF_FIELD
from claims.http.ratelimit import client_address, get_rate_limiter
from claims.pages import i18n
from claims.pages.page import Errors, Page, error_message, form_text, open_page
from workflow.identifiers import InvalidIdentifier, Kpj

router = APIRouter(include_in_schema=False)


def track_context(
    page: Page,
    kpj: str,
    errors: Errors,
    result: TrackingView | None = None,
    form_error: str | None = None,
) -> dict[str, Any]:
    language = page.language
    claims = []
    for tracked in result.claims if result is not None else []:
        steps = []
        for number, words in STEP_LABELS.items():
            if tracked.step is None:
                state = "todo"
            elif number < tracked.step or (number == tracked.step and tracked.state == "completed"):
                state = "done"
            elif number == tracked.step:
                state = "current"
            else:
                state = "todo"
            steps.append({"number": number, "label": i18n.pick(words, language), "state": state})
        interview = tracked.interview
        claims.append(
            {
                "entry": tracked,
                "reason_label": i18n.reason_label(tracked.reason, language),
                # A stopped claim's step label already names its state: said once.
                "state_label": None
                if tracked.step is None
                else i18n.pick(i18n.TRACKING_STATE_LABELS[tracked.state], language),
                "updated_on": i18n.page_date(tracked.updated_on),
                "steps": steps,
                "interview_when": i18n.local_span(
                    interview.starts_at, interview.ends_at, interview.timezone, language
                )
                if interview is not None
                else None,
                "apply_again": tracked.state in ("cancelled", "expired"),
            }
        )
    return {
        "title": page.t("track_title"),
        "kpj": kpj,
        "errors": errors,
        "form_error": form_error,
        "searched": result is not None,
        "claims": claims,
    }


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> Response:
    page = open_page(request)
    return page.render("track.html", track_context(page, "", {}))


@router.post("/track", response_class=HTMLResponse)
async def track_lookup(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    kpj = form_text(form, "kpj")[:32]

    def run() -> Response:
        limiter = get_rate_limiter(request)
        try:
            limiter.check_tracking(client_address(request), kpj)
        except TooManyRequests as limited:
            response = page.render(
                "track.html", track_context(page, kpj, {}, None, error_message(page, limited)), 429
            )
            response.headers["Retry-After"] = str(limited.data.get("retry_after", 60))
            return response
        try:
            number = Kpj.parse(kpj).value
        except InvalidIdentifier as invalid:
            errors = {"kpj": error_message(page, invalid) if kpj else page.t("required")}
            return page.render("track.html", track_context(page, kpj, errors), 422)
        result = tracking_view(page.runtime.db, number, page.language)
        return page.render("track.html", track_context(page, number, {}, result))

    return await anyio.to_thread.run_sync(run)
