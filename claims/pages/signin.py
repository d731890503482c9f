"""Signing in on the pages (channels.md): `/masuk` (KPJ, NIK, birth date), `/masuk/ahli-waris`
(an heir: the claim's reference, their NIK and birth date), then the code; `/keluar` ends the
session. The session token rides in an HttpOnly, SameSite cookie, as the claim token does."""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.catalogues import N_
from claims.errors import FieldProblem, TooManyRequests
from claims.http.csrf import (
    CSRF_FIELD,
    PARTICIPANT_COOKIE,
    cookie_name,
    participant_cookie_token,
    read_cookie,
    set_cookie,
)
from claims.http.ratelimit import client_address, get_rate_limiter
from claims.pages.apply import attempts_left_message, attempts_warning, limited_message, read_date
from claims.pages.page import Errors, Page, error_message, field_errors, form_text, open_page
from claims.pages.posted import PostedForm, seal, unseal
from claims.participants.signin import CODE_LIFETIME, SignIn
from claims.repositories.participant_access import HEIR, SESSION_LIFETIME
from claims.security import hash_token
from workflow.errors import WorkflowError
from workflow.identifiers import Kpj

router = APIRouter(include_in_schema=False)
CODE_SECONDS = int(CODE_LIFETIME.total_seconds())

# Each form's fields in page order with the text key of its label: the error summary lists
# them in this order, by their plain names.
PARTICIPANT_FIELDS = {
    "kpj": N_("apply_kpj"),
    "nik": N_("nik"),
    "birth_date": N_("apply_birth_date"),
}
HEIR_FIELDS = {
    "reference": N_("claim_reference"),
    "nik": N_("heir_own_nik"),
    "birth_date": N_("apply_birth_date"),
}
CODE_FIELDS = {"code": N_("code")}
# The code on its way (challenge, masked contacts, where to go next) rides to the code page
# in this cookie, sealed as a refused form's values are (claims.pages.posted), for as long as
# the code is good: a reload of the code page shows it again, and no address holds it.
PENDING_COOKIE = "jht_signin"
CODE_PAGE = "/masuk/kode"


def safe_next(target: str, default: str = "/saldo") -> str:
    """Where to go after signing in: a path of this site only (never `//host` or a URL)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:300]
    return default


def error_summary(page: Page, fields: dict[str, str], errors: Errors) -> list[tuple[str, str, str]]:
    """(field, plain label, message) for the error summary, in the form's order."""
    return [
        (name, page.t(key).split(" (")[0], errors[name])
        for name, key in fields.items()
        if name in errors
    ]


def _form_page(page: Page, heir: bool, next_path: str, notice: str | None = None) -> Response:
    """The sign-in form; after a refused post (post/redirect/get) with its messages and the
    values typed."""
    posted = page.posted
    values = posted.values if posted else {"next": next_path}
    errors = posted.errors if posted else {}
    context: dict[str, Any] = {
        "title": page.t("heir_sign_in_title") if heir else page.t("sign_in_title"),
        "heir": heir,
        "values": values,
        "errors": errors,
        "form_error": posted.form_error if posted else None,
        "notice": notice,
        "next": safe_next(values.get("next", "")),
        "summary": error_summary(page, HEIR_FIELDS if heir else PARTICIPANT_FIELDS, errors),
        # An heir's attempts count against the deceased's KPJ, which the heir does not type.
        "attempts_warning": None if heir else attempts_warning(page),
    }
    return page.render("signin.html", context)


@router.get("/masuk", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    page = open_page(request)
    notice = page.t("signed_out") if request.query_params.get("done") == "signed_out" else None
    return _form_page(page, False, request.query_params.get("next", ""), notice)


@router.get("/masuk/ahli-waris", response_class=HTMLResponse)
def heir_sign_in_form(request: Request) -> Response:
    page = open_page(request)
    return _form_page(page, True, request.query_params.get("next", ""))


def _read(
    page: Page, form: FormData, names: dict[str, str]
) -> tuple[dict[str, str], Errors, date | None]:
    values = {name: form_text(form, name) for name in (*names, "next")}
    errors: Errors = {}
    for name in names:
        if not values[name]:
            errors[name] = page.t("required")
    birth, unreadable = (
        read_date(page, values["birth_date"]) if values["birth_date"] else (None, None)
    )
    if unreadable is not None:
        errors.setdefault("birth_date", unreadable)
    return values, errors, birth


@router.post("/masuk", response_class=HTMLResponse)
async def sign_in_submit(request: Request) -> Response:
    return await _start(request, heir=False)


@router.post("/masuk/ahli-waris", response_class=HTMLResponse)
async def heir_sign_in_submit(request: Request) -> Response:
    return await _start(request, heir=True)


async def _start(request: Request, heir: bool) -> Response:
    """Every answer is a 303: to the code page once a code is sent, else back to the form
    (post/redirect/get), which shows why."""
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    path = request.url.path
    values, errors, birth = _read(page, form, HEIR_FIELDS if heir else PARTICIPANT_FIELDS)

    def again(
        errors: Errors,
        form_error: str | None,
        status: int = 422,
        headers: dict[str, str] | None = None,
    ) -> Response:
        posted = PostedForm(path, status, errors, values, form_error, {}, headers or {})
        return page.refused(f"{path}#error-summary", posted)

    if errors or birth is None:
        return again(errors, page.t("form_has_errors"))
    service = SignIn(page.runtime, get_rate_limiter(request))
    client = client_address(request)
    try:
        if heir:
            sent = await service.start_heir(
                values["reference"], values["nik"], birth, client, page.language
            )
        else:
            sent = await service.start(values["kpj"], values["nik"], birth, client, page.language)
    except FieldProblem as problem:
        return again(field_errors(page, problem), page.t("form_has_errors"))
    except TooManyRequests as limited:
        retry_after = {"Retry-After": str(limited.data["retry_after"])}
        message = (
            error_message(page, limited)
            if heir
            else await _limited_message(page, limited, values["kpj"])
        )
        return again({}, message, 429, retry_after)
    except WorkflowError as refused:
        message = error_message(page, refused)
        if refused.code == "identity_not_verified" and not heir:
            left = await anyio.to_thread.run_sync(
                attempts_left_message, page, Kpj.parse(values["kpj"]).value
            )
            message = f"{message} {left}"
        return again({}, message)
    pending = PostedForm(
        CODE_PAGE,
        200,
        extra={
            "challenge_id": sent.challenge_id,
            "sent_to": sent.sent_to,
            "next": safe_next(values["next"], ""),
        },
    )
    response = page.redirect(CODE_PAGE)
    sealed = seal(page.runtime.settings.secret_key(), pending, page.runtime.clock.now())
    set_cookie(response, request, PENDING_COOKIE, sealed, max_age=CODE_SECONDS)
    return response


async def _limited_message(page: Page, limited: TooManyRequests, kpj: str) -> str:
    return await anyio.to_thread.run_sync(limited_message, page, limited, Kpj.parse(kpj).value)


def _pending(page: Page) -> PostedForm | None:
    """The code on its way to this browser (sealed by `_start`), while it is good."""
    sealed = read_cookie(page.request, PENDING_COOKIE)
    if not sealed:
        return None
    pending = unseal(
        page.runtime.settings.secret_key(), sealed, CODE_PAGE, page.runtime.clock.now()
    )
    # A refused code's sealed form is bound to the same path: only `_start`'s has a challenge.
    return pending if pending is not None and "challenge_id" in pending.extra else None


@router.get(CODE_PAGE, response_class=HTMLResponse)
def code_form(request: Request) -> Response:
    """Where the code is typed: after the sign-in form sent it, or after a wrong code
    (post/redirect/get). Without a code on its way, back to the sign-in form."""
    page = open_page(request)
    pending = _pending(page)
    if pending is None:
        return page.redirect("/masuk")
    posted = page.posted
    errors = posted.errors if posted else {}
    context = {
        "title": page.t("code_title"),
        "challenge_id": pending.extra["challenge_id"],
        "sent_to": pending.extra["sent_to"],
        "next": pending.extra["next"],
        "values": {},
        "errors": errors,
        "form_error": posted.form_error if posted else None,
        "summary": error_summary(page, CODE_FIELDS, errors),
    }
    response = page.render("signin_code.html", context)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post(CODE_PAGE, response_class=HTMLResponse)
async def code_submit(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    challenge_id = form_text(form, "challenge_id")
    next_path = safe_next(form_text(form, "next"), "")
    code = form_text(form, "code").replace(" ", "")

    def again(message: str) -> Response:
        posted = PostedForm(CODE_PAGE, 422, {"code": message})
        return page.refused(f"{CODE_PAGE}#error-summary", posted)

    if not code:
        return again(page.t("required"))
    service = SignIn(page.runtime, get_rate_limiter(request))
    try:
        opened = await anyio.to_thread.run_sync(service.confirm, challenge_id, code)
    except WorkflowError as refused:
        return again(error_message(page, refused))
    default = f"/claims/{opened.claim_id}" if opened.purpose == HEIR else "/saldo"
    response = page.redirect(safe_next(next_path, default))
    set_cookie(
        response,
        request,
        PARTICIPANT_COOKIE,
        opened.access_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    # The code is used: the code page has nothing more to show.
    set_cookie(response, request, PENDING_COOKIE, "", max_age=0)
    return response


@router.post("/keluar", response_class=HTMLResponse)
async def sign_out(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    token = participant_cookie_token(request)
    if token:
        service = SignIn(page.runtime, get_rate_limiter(request))
        await anyio.to_thread.run_sync(service.sign_out, hash_token(token))
    response = page.redirect("/masuk?done=signed_out")
    response.delete_cookie(cookie_name(request, PARTICIPANT_COOKIE), path="/")
    return response
