"""The apply page, `/apply`: the form, its checks in the page's language (the API's own field
checks, `check_claim_fields`, plus what a form adds: required fields, dates as typed, the
lists to choose from), and the opening of the claim, as the API opens it."""

from __future__ import annotations

import math
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
from claims.catalogues import N_
from claims.clock import wib_date
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
from workflow.dates import UnreadableDate, parse_written_date
from workflow.errors import WorkflowError
from workflow.identifiers import Kpj
from workflow.rules import rules_in_force
from workflow.states import ClaimReason

router = APIRouter(include_in_schema=False)

# The access token rides in this cookie for as long as a claim normally takes, and then some.
CLAIM_COOKIE_SECONDS = 120 * 24 * 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The apply form's fields in page order (the heir's right after the reason that asks for
# them), with the text key of each label; the error summary lists them in this order.
APPLY_FIELDS = {
    "kpj": N_("apply_kpj"),
    "nik": N_("nik"),
    "full_name": N_("full_name"),
    "birth_date": N_("apply_birth_date"),
    "reason": N_("reason"),
    "employment_end_date": N_("apply_end_date"),
    "heir_nik": N_("heir_nik"),
    "heir_full_name": N_("heir_full_name"),
    "heir_birth_date": N_("apply_heir_birth_date"),
    "heir_relationship": N_("heir_relationship"),
    "email": N_("email"),
    "phone": N_("phone"),
    "branch_code": N_("branch"),
}
DATE_PROBLEMS = {
    "two_digit_year": N_("date_two_digit_year"),
    "no_such_day": N_("date_no_such_day"),
    "unknown_form": N_("date_unknown_form"),
}
# Each reason's label and one-line hint (who may use it, from when: domain.md "Claim
# reasons"); the hints' numbers are filled in from the rules in force.
REASON_KEYS: dict[ClaimReason, tuple[str, str]] = {
    ClaimReason.retirement: (N_("reason_retirement"), N_("reason_retirement_hint")),
    ClaimReason.resignation: (N_("reason_resignation"), N_("reason_resignation_hint")),
    ClaimReason.termination: (N_("reason_termination"), N_("reason_termination_hint")),
    ClaimReason.contract_end: (N_("reason_contract_end"), N_("reason_contract_end_hint")),
    ClaimReason.leaving_indonesia: (
        N_("reason_leaving_indonesia"),
        N_("reason_leaving_indonesia_hint"),
    ),
    ClaimReason.disability: (N_("reason_disability"), N_("reason_disability_hint")),
    ClaimReason.death: (N_("reason_death"), N_("reason_death_hint")),
    ClaimReason.partial_housing: (
        N_("reason_partial_housing"),
        N_("reason_partial_housing_hint"),
    ),
    ClaimReason.partial_other: (N_("reason_partial_other"), N_("reason_partial_other_hint")),
}
END_DATE_REASONS = (ClaimReason.resignation, ClaimReason.termination, ClaimReason.contract_end)


def branches(runtime: Runtime) -> list[Branch]:
    with runtime.db.read_only() as session:
        return branches_by_name(session)


def read_date(page: Page, text: str) -> tuple[date | None, str | None]:
    """A date field as typed: (the date, None), or (None, what to write instead). The sign-in
    pages read theirs with it too."""
    try:
        return parse_written_date(text), None
    except UnreadableDate as unreadable:
        return None, page.t(DATE_PROBLEMS[unreadable.code])


def duration(page: Page, seconds: int) -> str:
    """`15 menit`, `1 jam`, `24 jam`: a limiter's window or wait as people say it."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return page.t("duration_hour") if hours == 1 else page.t("duration_hours", n=hours)
    minutes = max(1, math.ceil(seconds / 60))
    return page.t("duration_minute") if minutes == 1 else page.t("duration_minutes", n=minutes)


def attempts_warning(page: Page) -> str:
    """What the page says from the start: how many wrong tries lock a KPJ, and for how long
    (the limiter's own numbers)."""
    allowed, window = get_rate_limiter(page.request).identity_attempts_per_kpj()
    return page.t("attempts_warning", n=allowed, window=duration(page, window))


def attempts_left_message(page: Page, kpj: str) -> str:
    """After a failed identity check: the tries `kpj` has left before its window is full,
    read from the limiter. Every KPJ, registered or not, has a window counted the same way,
    so the message is the same whether the KPJ exists."""
    limiter = get_rate_limiter(page.request)
    left, wait = limiter.identity_attempts_left(kpj)
    if left <= 0:
        return page.t("attempts_none_left", wait=duration(page, wait))
    window = duration(page, limiter.identity_attempts_per_kpj()[1])
    return page.t("attempts_left", n=left, window=window)


def limited_message(page: Page, limited: TooManyRequests, kpj: str) -> str:
    """A 429 on an identity attempt: said as a locked KPJ when its own window is full (else
    the client's window, or the wrong codes', refused it: the plain message)."""
    if get_rate_limiter(page.request).identity_attempts_left(kpj)[0] > 0:
        return error_message(page, limited)
    return page.t("attempts_locked", wait=duration(page, int(limited.data["retry_after"])))


def reason_choices(page: Page) -> list[tuple[str, str, str]]:
    """(value, label, one-line hint) of each reason, the numbers from the rules in force."""
    rules = rules_in_force(wib_date(page.runtime.clock.now()))
    numbers = {
        "age": rules.retirement_age_years,
        "months": rules.waiting_period_months,
        "years": rules.partial_min_membership_years,
    }
    return [
        (reason.value, page.t(label), page.t(hint, **numbers))
        for reason, (label, hint) in REASON_KEYS.items()
    ]


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
        # Plain names: the label without its "(11 angka)" or "(boleh kosong)".
        "summary": [
            (name, page.t(key).split(" (")[0], errors[name])
            for name, key in APPLY_FIELDS.items()
            if name in errors
        ],
        "form_error": form_error,
        "eligibility": eligibility,
        "attempts_warning": attempts_warning(page),
        "branches": branches(page.runtime),
        "reasons": reason_choices(page),
        # Parts shown (with JavaScript) only for these reasons: data-shown-for.
        "death": ClaimReason.death.value,
        "end_date_reasons": [r.value for r in END_DATE_REASONS],
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
    if not reason:
        errors["reason"] = page.t("reason_required")
    # A part of another reason is not read (with JavaScript it is out of sight).
    end_date_asked = reason in {r.value for r in END_DATE_REASONS}
    date_names = ["birth_date", *(["heir_birth_date"] if death else [])]
    date_names += ["employment_end_date"] if end_date_asked else []
    dates: dict[str, date | None] = dict.fromkeys(
        ("birth_date", "heir_birth_date", "employment_end_date")
    )
    for name in date_names:
        dates[name], unreadable = read_date(page, values[name]) if values[name] else (None, None)
        if unreadable is not None:
            errors.setdefault(name, unreadable)
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
    # The key the attempt windows count (the form's checks have parsed this KPJ already).
    kpj_key = Kpj.parse(read.request.kpj).value
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
        return again({}, limited_message(page, limited, kpj_key), status=429, headers=retry_after)
    except WorkflowError as refused:
        if refused.code == "identity_not_verified":
            left = attempts_left_message(page, kpj_key)
            return again({}, f"{error_message(page, refused)} {left}")
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
