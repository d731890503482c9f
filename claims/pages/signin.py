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

from claims.errors import FieldProblem, TooManyRequests
from claims.http.csrf import (
    CSRF_FIELD,
    PARTICIPANT_COOKIE,
    cookie_name,
    participant_cookie_token,
    set_cookie,
)
from claims.http.ratelimit import client_address, get_rate_limiter
from claims.pages import i18n
from claims.pages.page import Errors, Page, error_message, field_errors, form_text, open_page
from claims.participants.signin import ChallengeSent, SignIn
from claims.repositories.participant_access import HEIR, SESSION_LIFETIME
from claims.security import hash_token
from workflow.errors import WorkflowError

router = APIRouter(include_in_schema=False)

PARTICIPANT_FIELDS = ("kpj", "nik", "birth_date")
HEIR_FIELDS = ("reference", "nik", "birth_date")


def safe_next(target: str, default: str = "/saldo") -> str:
    """Where to go after signing in: a path of this site only (never `//host` or a URL)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:300]
    return default


def _form_page(
    page: Page,
    heir: bool,
    values: dict[str, str],
    errors: Errors,
    form_error: str | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "title": page.t("heir_sign_in_title") if heir else page.t("sign_in_title"),
        "heir": heir,
        "values": values,
        "errors": errors,
        "form_error": form_error,
        "notice": notice,
        "next": safe_next(values.get("next", "")),
        "summary": [(name, page.t(name), message) for name, message in errors.items()],
    }
    return page.render("signin.html", context, status=status)


@router.get("/masuk", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    page = open_page(request)
    notice = page.t("signed_out") if request.query_params.get("done") == "signed_out" else None
    values = {"next": request.query_params.get("next", "")}
    return _form_page(page, False, values, {}, notice=notice)


@router.get("/masuk/ahli-waris", response_class=HTMLResponse)
def heir_sign_in_form(request: Request) -> Response:
    page = open_page(request)
    return _form_page(page, True, {"next": request.query_params.get("next", "")}, {})


def _read(
    page: Page, form: FormData, names: tuple[str, ...]
) -> tuple[dict[str, str], Errors, date | None]:
    values = {name: form_text(form, name) for name in (*names, "next")}
    errors: Errors = {}
    for name in names:
        if not values[name]:
            errors[name] = page.t("required")
    birth = i18n.parse_page_date(values["birth_date"]) if values["birth_date"] else None
    if values["birth_date"] and birth is None:
        errors.setdefault("birth_date", page.t("bad_date"))
    return values, errors, birth


@router.post("/masuk", response_class=HTMLResponse)
async def sign_in_submit(request: Request) -> Response:
    return await _start(request, heir=False)


@router.post("/masuk/ahli-waris", response_class=HTMLResponse)
async def heir_sign_in_submit(request: Request) -> Response:
    return await _start(request, heir=True)


async def _start(request: Request, heir: bool) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    values, errors, birth = _read(page, form, HEIR_FIELDS if heir else PARTICIPANT_FIELDS)
    if errors or birth is None:
        return _form_page(page, heir, values, errors, page.t("form_has_errors"), 422)
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
        return _form_page(
            page, heir, values, field_errors(page, problem), page.t("form_has_errors"), 422
        )
    except TooManyRequests as limited:
        refused = _form_page(page, heir, values, {}, error_message(page, limited), 429)
        refused.headers["Retry-After"] = str(limited.data["retry_after"])
        return refused
    except WorkflowError as refused:
        return _form_page(page, heir, values, {}, error_message(page, refused), 422)
    return _code_page(page, sent.challenge_id, sent, safe_next(values["next"], ""), {})


def _code_page(
    page: Page,
    challenge_id: str,
    sent: ChallengeSent | None,
    next_path: str,
    errors: Errors,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": page.t("code_title"),
        "challenge_id": challenge_id,
        "sent_to": sent.sent_to if sent else [],
        "next": next_path,
        "values": {},
        "errors": errors,
        "form_error": form_error,
    }
    response = page.render("signin_code.html", context, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/masuk/kode", response_class=HTMLResponse)
async def code_submit(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    challenge_id = form_text(form, "challenge_id")
    next_path = safe_next(form_text(form, "next"), "")
    code = form_text(form, "code").replace(" ", "")
    if not code:
        return _code_page(
            page,
            challenge_id,
            None,
            next_path,
            {"code": page.t("required")},
            page.t("form_has_errors"),
            422,
        )
    service = SignIn(page.runtime, get_rate_limiter(request))
    try:
        opened = await anyio.to_thread.run_sync(service.confirm, challenge_id, code)
    except WorkflowError as refused:
        message = error_message(page, refused)
        return _code_page(page, challenge_id, None, next_path, {"code": message}, message, 422)
    default = f"/claims/{opened.claim_id}" if opened.purpose == HEIR else "/saldo"
    response = page.redirect(safe_next(next_path, default))
    set_cookie(
        response,
        request,
        PARTICIPANT_COOKIE,
        opened.access_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
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
