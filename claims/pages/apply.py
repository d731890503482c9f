"""The apply page, `/apply`: the form, its checks in the page's language (the API's own field
checks, `check_claim_fields`, plus what a form adds: required fields, dates as typed, the
lists to choose from), and the opening of the claim, as the API opens it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.casework import intake
from claims.casework.claim_fields import HEIR_RELATIONSHIPS, HeirInput, check_claim_fields
from claims.casework.opening import open_claim
from claims.errors import FieldProblem, TooManyRequests
from claims.http.csrf import APPLICANT_COOKIE, CSRF_FIELD, set_cookie
from claims.http.ratelimit import client_address, get_rate_limiter
from claims.models import Branch
from claims.pages import i18n
from claims.pages.page import (
    FIELD_ALIASES,
    Errors,
    Page,
    error_message,
    field_errors,
    form_text,
    open_page,
)
from claims.pages.posted import PostedForm
from claims.repositories.registry import branches_by_name
from claims.runtime import Runtime
from workflow.errors import WorkflowError
from workflow.states import ClaimReason

router = APIRouter(include_in_schema=False)

# The access token rides in this cookie for as long as a claim normally takes, and then some.
CLAIM_COOKIE_SECONDS = 120 * 24 * 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The apply form's fields in page order, with the text key of each label.
APPLY_FIELDS = {
    "kpj": "kpj",
    "nik": "nik",
    "full_name": "full_name",
    "birth_date": "birth_date",
    "reason": "reason",
    "employment_end_date": "employment_end_date",
    "email": "email",
    "phone": "phone",
    "branch_code": "branch",
    "heir_nik": "heir_nik",
    "heir_full_name": "heir_full_name",
    "heir_birth_date": "heir_birth_date",
    "heir_relationship": "heir_relationship",
}
END_DATE_REASONS = (ClaimReason.resignation, ClaimReason.termination, ClaimReason.contract_end)


def branches(runtime: Runtime) -> list[Branch]:
    with runtime.db.read_only() as session:
        return branches_by_name(session)


def apply_context(
    page: Page,
    values: Mapping[str, str],
    errors: Errors,
    form_error: str | None = None,
    eligibility: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    language = page.language
    return {
        "title": page.t("apply_title"),
        "values": values,
        "errors": errors,
        "summary": [
            (name, page.t(key).split(" (")[0], errors[name])
            for name, key in APPLY_FIELDS.items()
            if name in errors
        ],
        "form_error": form_error,
        "eligibility": eligibility,
        "branches": branches(page.runtime),
        "reasons": [(r.value, i18n.reason_label(r.value, language)) for r in ClaimReason],
        "relationships": [
            (code, i18n.pick(i18n.HEIR_RELATIONSHIP_LABELS[code], language))
            for code in HEIR_RELATIONSHIPS
        ],
    }


@router.get("/apply", response_class=HTMLResponse)
def apply_form(request: Request) -> Response:
    """The form; after a refused post (post/redirect/get) with its messages and values."""
    page = open_page(request)
    posted = page.posted
    if posted is None:
        return page.render("apply.html", apply_context(page, {}, {}))
    context = apply_context(
        page, posted.values, posted.errors, posted.form_error, posted.extra.get("eligibility")
    )
    return page.render("apply.html", context)


@dataclass
class ApplyForm:
    values: dict[str, str]
    errors: Errors
    request: intake.NewClaim | None = None


def read_apply_form(page: Page, form: FormData, branch_codes: set[str]) -> ApplyForm:
    """The form's checks, in the page's language: first what only a form needs, then the
    API's field checks; every field shows its first problem. The opening checks again."""
    names = ["kpj", "nik", "full_name", "birth_date", "email", "phone", "branch_code", "reason"]
    heir_names = ["heir_nik", "heir_full_name", "heir_birth_date", "heir_relationship"]
    values = {name: form_text(form, name) for name in [*names, *heir_names, "employment_end_date"]}
    errors: Errors = {}
    reason = values["reason"]
    death = reason == ClaimReason.death.value
    for name in names + (heir_names if death else []):
        if not values[name]:
            errors[name] = page.t("required")
    dates: dict[str, date | None] = {}
    for name in ("birth_date", "heir_birth_date", "employment_end_date"):
        dates[name] = i18n.parse_page_date(values[name]) if values[name] else None
        if values[name] and dates[name] is None:
            errors.setdefault(name, page.t("bad_date"))
    if values["email"] and not EMAIL.match(values["email"]):
        errors.setdefault("email", page.t("bad_email"))
    if reason and reason not in {r.value for r in ClaimReason}:
        errors.setdefault("reason", page.t("bad_choice"))
    if values["branch_code"] and values["branch_code"] not in branch_codes:
        errors.setdefault("branch_code", page.t("bad_choice"))
    heir = (
        HeirInput(
            values["heir_nik"],
            values["heir_full_name"],
            dates["heir_birth_date"],
            values["heir_relationship"],
        )
        if death
        else None
    )
    checked = check_claim_fields(
        kpj=values["kpj"],
        nik=values["nik"],
        phone=values["phone"],
        full_name=values["full_name"],
        death=death,
        heir=heir,
    )
    for problem in checked.errors:
        name = FIELD_ALIASES.get(problem.field, problem.field)
        errors.setdefault(name, page.pick(problem.message_id, problem.message_en))
    birth = dates["birth_date"]
    if errors or birth is None:
        return ApplyForm(values, errors)
    claim_reason = ClaimReason(reason)
    end_date = dates["employment_end_date"] if claim_reason in END_DATE_REASONS else None
    new = intake.NewClaim(
        kpj=values["kpj"],
        nik=values["nik"],
        full_name=values["full_name"],
        birth_date=birth,
        reason=claim_reason,
        email=values["email"],
        phone=values["phone"],
        branch_code=values["branch_code"],
        employment_end_date=end_date,
        heir=heir,
        language=page.language,
    )
    return ApplyForm(values, errors, new)


@router.post("/apply", response_class=HTMLResponse)
async def apply_submit(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    return await anyio.to_thread.run_sync(create_from_form, page, form)


def create_from_form(page: Page, form: FormData) -> Response:
    runtime = page.runtime
    known = {b.code for b in branches(runtime)}
    read = read_apply_form(page, form, known)

    def again(
        errors: Errors,
        form_error: str | None = None,
        status: int = 422,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        # Post/redirect/get: back to the form, which shows the messages and values once.
        posted = PostedForm("/apply", status, errors, read.values, form_error, extra, headers or {})
        return page.refused("/apply#error-summary", posted)

    if read.request is None:
        return again(read.errors, page.t("form_has_errors"))
    limiter = get_rate_limiter(page.request)
    client = client_address(page.request)
    try:
        # This runs in a worker thread; the opening itself is the API's, on the event loop.
        created = anyio.from_thread.run(
            open_claim, runtime.db, read.request, client, limiter, runtime.clock.now()
        )
    except FieldProblem as problem:
        return again(field_errors(page, problem), page.t("form_has_errors"))
    except TooManyRequests as limited:
        # As the API answers: 429 with Retry-After (the attempt window is full).
        retry_after = {"Retry-After": str(limited.data["retry_after"])}
        return again({}, error_message(page, limited), status=429, headers=retry_after)
    except WorkflowError as refused:
        if refused.code == "not_eligible":
            eligible_from = refused.data.get("eligible_from")
            eligibility = {"message": error_message(page, refused)}
            if eligible_from:
                day = date.fromisoformat(str(eligible_from))
                eligibility["eligible_from"] = page.t("eligible_from", date=i18n.page_date(day))
            return again({}, None, eligibility=eligibility)
        return again({}, error_message(page, refused))
    response = page.redirect(f"/claims/{created.claim_id}?done=created")
    set_cookie(
        response, page.request, APPLICANT_COOKIE, created.access_token, max_age=CLAIM_COOKIE_SECONDS
    )
    return response
