"""What every page shares: the `Page` context of one request (language, CSRF, cookies,
rendering with the templates), reading a posted form, and wording refusals next to their
fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.http.auth import get_runtime
from claims.http.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CsrfFailed,
    csrf_tokens,
    is_https,
    read_cookie,
    set_cookie,
)
from claims.pages import i18n
from claims.pages.i18n import Language, translate
from claims.pages.posted import POSTED_COOKIE, POSTED_SECONDS, PostedForm, seal, unseal
from claims.runtime import Runtime
from documents.errors import DocumentRejected
from workflow.errors import WorkflowError
from workflow.identifiers import InvalidIdentifier

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))

LANG_COOKIE_SECONDS = 365 * 24 * 3600
# Field names of the services' errors -> the names of our form inputs.
FIELD_ALIASES = {
    "heir.nik": "heir_nik",
    "heir.full_name": "heir_full_name",
    "heir.birth_date": "heir_birth_date",
    "heir.relationship": "heir_relationship",
    "heir": "heir_nik",
    "branch_code": "branch_code",
}

Errors = dict[str, str]


@dataclass
class Page:
    """One request to a page: its language and CSRF token, and how it answers."""

    request: Request
    runtime: Runtime
    language: Language
    csrf_token: str
    # A new browser CSRF value to set (before there is a claim session), else None.
    new_csrf_value: str | None
    # What the refused form post just before left for this page (read once), else None.
    posted: PostedForm | None = None
    # The browser sent a posted-form cookie: this answer clears it, used or not.
    clear_posted: bool = False

    def t(self, key: str, **values: object) -> str:
        return translate(key, self.language, **values)

    def pick(self, message_id: str, message_en: str) -> str:
        return message_en if self.language == "en" else message_id

    def finish(self, response: Response) -> Response:
        if self.new_csrf_value is not None:
            set_cookie(response, self.request, CSRF_COOKIE, self.new_csrf_value)
        if self.clear_posted:
            set_cookie(response, self.request, POSTED_COOKIE, "", max_age=0)
        if i18n.requested_language(self.request) is not None:
            response.set_cookie(
                i18n.LANG_COOKIE,
                self.language,
                max_age=LANG_COOKIE_SECONDS,
                samesite="lax",
                secure=is_https(self.request),
                httponly=True,
                path="/",
            )
        return response

    def render(self, template: str, context: Mapping[str, Any], status: int = 200) -> Response:
        """The page `template` with `context`. A page showing the messages of a refused post
        answers with that post's status (and headers: a 429's Retry-After), and its title
        starts with "Galat:" / "Error:" (read first by screen readers and in the tab)."""
        posted = self.posted
        if posted is not None and status == 200:
            status = posted.status
        values = {
            "has_errors": bool(context.get("errors") or context.get("form_error")),
            "t": self.t,
            "lang": self.language,
            "other_lang": "en" if self.language == "id" else "id",
            "csrf_field": CSRF_FIELD,
            "csrf_token": self.csrf_token,
            "rupiah": i18n.rupiah,
            "page_date": i18n.page_date,
            "path": self.request.url.path,
            **context,
        }
        response = TEMPLATES.TemplateResponse(self.request, template, values, status_code=status)
        if posted is not None:
            response.headers.update(posted.headers)
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def refused(self, url: str, posted: PostedForm) -> Response:
        """A refused form post's answer: 303 to `url` (its page, which shows `posted`: the
        messages, the values typed, the status), never a page rendered from the POST."""
        response = RedirectResponse(url, status_code=303)
        sealed = seal(self.runtime.settings.secret_key(), posted, self.runtime.clock.now())
        set_cookie(response, self.request, POSTED_COOKIE, sealed, max_age=POSTED_SECONDS)
        # Not finish(): it would clear the cookie just set when the post carried an old one.
        if self.new_csrf_value is not None:
            set_cookie(response, self.request, CSRF_COOKIE, self.new_csrf_value)
        return response

    def csrf_refusal(self, submitted: str | None) -> Response | None:
        """How every form post opens: None when `submitted` is this browser's CSRF token;
        otherwise the answer to give, a 403 page that says to reload (nothing was done)."""
        try:
            csrf_tokens(self.runtime.settings).verify(self.request, submitted)
        except CsrfFailed:
            return self._refused_form()
        return None

    def _refused_form(self) -> Response:
        parts = self.request.url.path.split("/")
        back = (
            f"/claims/{parts[2]}"
            if len(parts) > 2 and parts[1] == "claims"
            else self.request.url.path
        )
        return self.render(
            "message.html",
            {"title": self.t("error_title"), "message": self.t("csrf_failed"), "back": back},
            status=403,
        )


def open_page(request: Request) -> Page:
    runtime = get_runtime(request)
    token, new_value = csrf_tokens(runtime.settings).for_page(request)
    sealed = read_cookie(request, POSTED_COOKIE)
    posted = None
    if sealed and request.method == "GET":
        posted = unseal(
            runtime.settings.secret_key(), sealed, request.url.path, runtime.clock.now()
        )
    return Page(
        request=request,
        runtime=runtime,
        language=i18n.page_language(request),
        csrf_token=token,
        new_csrf_value=new_value,
        posted=posted,
        # Read once: the page that shows it (or any other page opened next) clears it.
        clear_posted=sealed is not None and request.method == "GET",
    )


def form_text(form: FormData, name: str) -> str:
    """A posted text field, trimmed; empty when absent (or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def error_message(page: Page, error: WorkflowError | InvalidIdentifier | DocumentRejected) -> str:
    return page.pick(error.message_id, error.message_en)


def field_errors(page: Page, error: WorkflowError) -> Errors:
    """A FieldProblem's `errors` by form field, worded in the page's language where we can."""
    found: Errors = {}
    for item in error.data.get("errors", []):
        name = FIELD_ALIASES.get(str(item.get("field", "")), str(item.get("field", "")))
        if "message_id" in item or "message_en" in item:
            message = page.pick(str(item.get("message_id", "")), str(item.get("message_en", "")))
        else:
            message = str(item.get("message", ""))
        found.setdefault(name, message)
    return found
