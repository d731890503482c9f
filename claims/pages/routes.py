"""The applicant's pages, server-rendered with Jinja2: `/`, `/apply`, `/claims/{id}` and
`/track`. Forms post to these routes, which call the same services as the API inside one unit
of work and show every refusal next to its field; nothing here needs JavaScript, which only
adds progress bars to uploads (static/upload.js, through the API's upload endpoint)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.booking.service import listed_free_slots, rebook
from claims.casework import service, views
from claims.casework.opening import open_claim
from claims.casework.schemas import ApplicantClaimView
from claims.errors import FieldProblem, NotFound, TooManyRequests, Unauthenticated
from claims.http.auth import APPLICANT_COOKIE, find_applicant_claim, get_runtime
from claims.http.ratelimit import client_address, get_rate_limiter
from claims.models import Branch, Claim
from claims.pages import i18n
from claims.pages.csrf import CSRF_FIELD, CsrfFailed, CsrfTokens, is_https, set_csrf_cookie
from claims.pages.i18n import Language, translate
from claims.runtime import Runtime
from claims.uploads.endpoints import receive_request_upload
from documents.errors import DocumentRejected
from workflow.errors import WorkflowError
from workflow.identifiers import BANK_NAMES, InvalidIdentifier, Kpj, Nik, Phone
from workflow.states import ClaimReason

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
pages_router = APIRouter(include_in_schema=False)

# The access token rides in this cookie for as long as a claim normally takes, and then some.
CLAIM_COOKIE_SECONDS = 120 * 24 * 3600
LANG_COOKIE_SECONDS = 365 * 24 * 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOTICES = {
    "created": "done_created",
    "saved": "saved",
    "submitted": "done_submitted",
    "rebooked": "done_rebooked",
    "cancelled": "done_cancelled",
}
# Field names of the services' errors -> the names of our form inputs.
FIELD_ALIASES = {
    "heir.nik": "heir_nik",
    "heir.full_name": "heir_full_name",
    "heir.birth_date": "heir_birth_date",
    "heir.relationship": "heir_relationship",
    "heir": "heir_nik",
    "branch_code": "branch_code",
}
STEP_LABELS = views.STEP_LABELS
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

Errors = dict[str, str]


# --- the page context: language, CSRF, cookies, rendering -------------------------------------


@dataclass
class Page:
    request: Request
    runtime: Runtime
    language: Language
    csrf_value: str
    csrf_new: bool
    csrf_token: str
    cookies: list[tuple[str, str, int]] = field(default_factory=list)

    def t(self, key: str, **values: object) -> str:
        return translate(key, self.language, **values)

    def pick(self, message_id: str, message_en: str) -> str:
        return message_en if self.language == "en" else message_id

    def finish(self, response: Response) -> Response:
        if self.csrf_new:
            set_csrf_cookie(response, self.request, self.csrf_value)
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
        values = {
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
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def verify_csrf(self, submitted: str | None) -> None:
        CsrfTokens(self.runtime.settings.secret_key()).verify(self.request, submitted)


def open_page(request: Request) -> Page:
    runtime = get_runtime(request)
    tokens = CsrfTokens(runtime.settings.secret_key())
    value, new = tokens.cookie_value(request)
    return Page(
        request=request,
        runtime=runtime,
        language=i18n.page_language(request),
        csrf_value=value,
        csrf_new=new,
        csrf_token=tokens.form_token(value),
    )


def refused_form(page: Page) -> Response:
    """A form without a valid CSRF token: nothing done, a page that says to reload."""
    parts = page.request.url.path.split("/")
    back = (
        f"/claims/{parts[2]}" if len(parts) > 2 and parts[1] == "claims" else page.request.url.path
    )
    return page.render(
        "message.html",
        {"title": page.t("error_title"), "message": page.t("csrf_failed"), "back": back},
        status=403,
    )


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


# --- home -------------------------------------------------------------------------------------


@pages_router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    page = open_page(request)
    return page.render("index.html", {"title": page.t("home_title")})


# --- apply -------------------------------------------------------------------------------------


def branches(runtime: Runtime) -> list[Branch]:
    with runtime.db.read_only() as session:
        rows = list(session.scalars(select(Branch).order_by(Branch.name)))
        session.expunge_all()
    return rows


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
            (code, i18n.pick(words, language))
            for code, words in i18n.HEIR_RELATIONSHIP_LABELS.items()
        ],
    }


@pages_router.get("/apply", response_class=HTMLResponse)
def apply_form(request: Request) -> Response:
    page = open_page(request)
    return page.render("apply.html", apply_context(page, {}, {}))


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _check_identifier(errors: Errors, name: str, page: Page, check: Callable[[], object]) -> None:
    if name in errors:
        return
    try:
        check()
    except InvalidIdentifier as error:
        errors[name] = error_message(page, error)


@dataclass
class ApplyForm:
    values: dict[str, str]
    errors: Errors
    request: service.NewClaim | None = None


def read_apply_form(page: Page, form: FormData, branch_codes: set[str]) -> ApplyForm:
    """The form's own checks, in the page's language; the service checks everything again."""
    names = ["kpj", "nik", "full_name", "birth_date", "email", "phone", "branch_code", "reason"]
    heir_names = ["heir_nik", "heir_full_name", "heir_birth_date", "heir_relationship"]
    values = {name: _text(form, name) for name in [*names, *heir_names, "employment_end_date"]}
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
    if death and values["heir_relationship"] not in i18n.HEIR_RELATIONSHIP_LABELS:
        errors.setdefault("heir_relationship", page.t("bad_choice"))
    _check_identifier(errors, "kpj", page, lambda: Kpj.parse(values["kpj"]))
    _check_identifier(errors, "nik", page, lambda: Nik.parse(values["nik"]))
    _check_identifier(errors, "phone", page, lambda: Phone.parse(values["phone"]))
    if death:
        _check_identifier(errors, "heir_nik", page, lambda: Nik.parse(values["heir_nik"]))
        heir_birth = dates["heir_birth_date"]
        if "heir_nik" not in errors and heir_birth is not None:
            agreed_birth: date = heir_birth
            _check_identifier(
                errors,
                "heir_birth_date",
                page,
                lambda: Nik.parse(values["heir_nik"]).require_agreement(
                    agreed_birth, field="heir.birth_date"
                ),
            )
    birth = dates["birth_date"]
    if errors or birth is None:
        return ApplyForm(values, errors)
    claim_reason = ClaimReason(reason)
    heir = None
    if death:
        heir_birth = dates["heir_birth_date"]
        assert heir_birth is not None
        heir = service.HeirInput(
            values["heir_nik"], values["heir_full_name"], heir_birth, values["heir_relationship"]
        )
    end_date = dates["employment_end_date"] if claim_reason in END_DATE_REASONS else None
    new = service.NewClaim(
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


@pages_router.post("/apply", response_class=HTMLResponse)
async def apply_submit(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    try:
        page.verify_csrf(_text(form, CSRF_FIELD))
    except CsrfFailed:
        return refused_form(page)
    return await anyio.to_thread.run_sync(create_from_form, page, form)


def create_from_form(page: Page, form: FormData) -> Response:
    runtime = page.runtime
    known = {b.code for b in branches(runtime)}
    read = read_apply_form(page, form, known)

    def again(errors: Errors, form_error: str | None = None, **extra: Any) -> Response:
        context = apply_context(page, read.values, errors, form_error, **extra)
        return page.render("apply.html", context, status=422)

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
        return again({}, error_message(page, limited))
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
    response.set_cookie(
        APPLICANT_COOKIE,
        created.access_token,
        max_age=CLAIM_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=is_https(page.request),
        path="/",
    )
    return response


# --- the claim -----------------------------------------------------------------------------


@dataclass
class ClaimProblems:
    """What went wrong with the last form post, by section and field."""

    errors: Errors = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def closed_claim_page(page: Page, error: WorkflowError) -> Response:
    status = 401 if isinstance(error, Unauthenticated) else 404
    return page.render(
        "message.html",
        {"title": page.t("error_title"), "message": page.t("claim_not_open"), "track_link": True},
        status=status,
    )


def missing_label(item: str, view: ApplicantClaimView, language: Language) -> str:
    if item in i18n.MISSING_DATA_LABELS:
        return i18n.pick(i18n.MISSING_DATA_LABELS[item], language)
    for entry in view.checklist:
        if entry.doc_type == item:
            return entry.label
    return views._label(item, language)


def claim_context(
    page: Page, session: Session, claim: Claim, problems: ClaimProblems
) -> dict[str, Any]:
    language = page.language
    now = page.runtime.clock.now()
    view = views.applicant_view(session, claim, now, language)
    branch = session.get(Branch, claim.branch_code)
    timezone = branch.timezone if branch else "Asia/Jakarta"
    can_rebook = "reschedule" in view.allowed_actions
    slots = []
    if can_rebook:
        for slot in listed_free_slots(session, claim, now):
            slots.append(
                (
                    slot.starts_at.isoformat(),
                    i18n.local_span(slot.starts_at, slot.ends_at, timezone, language),
                )
            )
    interview = None
    if view.interview is not None:
        interview = {
            "when": i18n.local_span(
                view.interview.starts_at,
                view.interview.ends_at,
                view.interview.timezone,
                language,
            ),
            "video_url": view.interview.video_url,
        }
    notice_key = NOTICES.get(page.request.query_params.get("done", ""))
    editable = "upload_documents" in view.allowed_actions
    return {
        "title": page.t("claim_title", reference=view.reference),
        "claim": view,
        "status_label": i18n.status_label(view.status, language),
        "reason_label": i18n.reason_label(view.reason, language),
        "branch": branch,
        "editable": editable,
        "documents": [
            {
                "item": item,
                "status_label": i18n.pick(i18n.DOCUMENT_STATUS_LABELS[item.status], language),
                "error": problems.errors.get(f"doc:{item.doc_type}"),
            }
            for item in view.checklist
        ],
        "banks": sorted(BANK_NAMES.items(), key=lambda pair: pair[1]),
        "bank_name": BANK_NAMES.get(view.bank_account.bank_code, "") if view.bank_account else "",
        "interview": interview,
        "can_rebook": can_rebook,
        "slots": slots,
        "can_submit": "submit" in view.allowed_actions,
        "can_cancel": "cancel" in view.allowed_actions,
        "missing": [missing_label(item, view, language) for item in problems.missing],
        "history": [
            {
                "at": i18n.wib_time(item.at),
                "status": i18n.status_label(item.status, language),
                "reason": views._reason_words(item.reason_code, language),
                "note": item.note,
            }
            for item in view.history
        ],
        "errors": problems.errors,
        "values": problems.values,
        "notice": page.t(notice_key) if notice_key else None,
        # Where the notice belongs: next to the form that was sent, where the page scrolls to.
        "notice_in": page.request.query_params.get("in", ""),
        "upload_done_template": page.t("upload_done", n="{n}"),
        "status_labels": {
            key: i18n.pick(words, language) for key, words in i18n.DOCUMENT_STATUS_LABELS.items()
        },
    }


def claim_token(request: Request) -> str | None:
    return request.cookies.get(APPLICANT_COOKIE) or None


def show_claim(
    page: Page, claim_id: str, problems: ClaimProblems | None = None, status: int = 200
) -> Response:
    runtime = page.runtime
    try:
        with runtime.db.read_only() as session:
            claim = find_applicant_claim(session, claim_token(page.request), claim_id)
            context = claim_context(page, session, claim, problems or ClaimProblems())
    except (Unauthenticated, NotFound) as closed:
        return closed_claim_page(page, closed)
    response = page.render("claim.html", context, status=status)
    # The page shows the claimant's name and masked numbers: keep it out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@pages_router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: str, request: Request) -> Response:
    return show_claim(open_page(request), claim_id)


Change = Callable[[Session, Claim, datetime, FormData], object]


async def claim_form(
    request: Request,
    claim_id: str,
    section: str,
    change: Change,
    done: str = "saved",
) -> Response:
    """One form post on the claim page: CSRF, then the change in one unit of work; a refusal
    re-renders the page with the messages next to the fields (422), success redirects (303)."""
    page = open_page(request)
    form = await request.form()
    try:
        page.verify_csrf(_text(form, CSRF_FIELD))
    except CsrfFailed:
        return refused_form(page)

    def run() -> Response:
        runtime = page.runtime
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
        problems = ClaimProblems(values=values)
        try:
            with runtime.db.unit_of_work() as session:
                claim = find_applicant_claim(session, claim_token(request), claim_id)
                change(session, claim, runtime.clock.now(), form)
        except (Unauthenticated, NotFound) as closed:
            return closed_claim_page(page, closed)
        except InvalidIdentifier as invalid:
            problems.errors[invalid.field] = error_message(page, invalid)
            return show_claim(page, claim_id, problems, 422)
        except WorkflowError as refused:
            if isinstance(refused, FieldProblem) and refused.data.get("errors"):
                problems.errors.update(field_errors(page, refused))
                if refused.code != "validation_failed":
                    # A refusal with its own words (bank_account_not_own) says it best.
                    first = next(iter(problems.errors))
                    problems.errors[first] = error_message(page, refused)
            else:
                problems.errors[section] = error_message(page, refused)
            problems.missing = [str(m) for m in refused.data.get("missing", [])]
            return show_claim(page, claim_id, problems, 422)
        # Submit and cancel remove their own section: their notice goes to the top.
        where = "" if section in ("submit", "cancel") else f"&in={section}#{section}"
        return page.redirect(f"/claims/{claim_id}?done={done}{where}")

    return await anyio.to_thread.run_sync(run)


@pages_router.post("/claims/{claim_id}/bank-account", response_class=HTMLResponse)
async def bank_account_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return service.set_bank_account(
            session,
            claim,
            _text(form, "bank_code"),
            _text(form, "account_number"),
            _text(form, "account_holder"),
            now,
        )

    return await claim_form(request, claim_id, "bank", change)


@pages_router.post("/claims/{claim_id}/npwp", response_class=HTMLResponse)
async def npwp_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return service.set_npwp(session, claim, _text(form, "npwp"), now)

    return await claim_form(request, claim_id, "tax-number", change)


@pages_router.post("/claims/{claim_id}/submit", response_class=HTMLResponse)
async def submit_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return service.submit(session, claim, now)

    return await claim_form(request, claim_id, "submit", change, done="submitted")


@pages_router.post("/claims/{claim_id}/interview", response_class=HTMLResponse)
async def rebook_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        try:
            starts_at = datetime.fromisoformat(_text(form, "starts_at"))
        except ValueError:
            raise FieldProblem(
                [
                    {
                        "field": "starts_at",
                        "message_id": "Pilih salah satu jadwal dari daftar.",
                        "message_en": "Choose one of the listed times.",
                    }
                ]
            ) from None
        return rebook(session, claim, starts_at, now)

    return await claim_form(request, claim_id, "interview", change, done="rebooked")


@pages_router.post("/claims/{claim_id}/cancel", response_class=HTMLResponse)
async def cancel_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return service.cancel(session, claim, service.APPLICANT, now)

    return await claim_form(request, claim_id, "cancel", change, done="cancelled")


@pages_router.post("/claims/{claim_id}/documents/{doc_type}", response_class=HTMLResponse)
async def upload_form(claim_id: str, doc_type: str, request: Request) -> Response:
    """The upload without JavaScript: a plain multipart post through the API's pipeline.
    The multipart body is streamed to disk field by field, so the CSRF token rides in the
    query string of the form's action (same-origin only: Referrer-Policy keeps it here)."""
    page = open_page(request)
    try:
        page.verify_csrf(request.query_params.get(CSRF_FIELD))
    except CsrfFailed:
        return refused_form(page)
    runtime = page.runtime
    token = claim_token(request)
    problems = ClaimProblems()
    try:
        await receive_request_upload(request, runtime, token, claim_id, doc_type)
    except (Unauthenticated, NotFound) as closed:
        return closed_claim_page(page, closed)
    except (DocumentRejected, WorkflowError) as refused:
        message = error_message(page, refused)
        index = getattr(refused, "file_index", None)
        if isinstance(index, int):
            prefix = page.pick("Berkas ke-{n}: ", "File {n}: ").format(n=index + 1)
            message = prefix + message
        problems.errors[f"doc:{doc_type}"] = message
        return await anyio.to_thread.run_sync(show_claim, page, claim_id, problems, 422)
    return page.redirect(f"/claims/{claim_id}?done=saved&in=doc-{doc_type}#doc-{doc_type}")


# --- public tracking ------------------------------------------------------------------------


def track_context(
    page: Page, kpj: str, errors: Errors, result: Any = None, form_error: str | None = None
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
        claims.append(
            {
                "entry": tracked,
                "reason_label": i18n.reason_label(tracked.reason, language),
                "state_label": i18n.pick(i18n.TRACKING_STATE_LABELS[tracked.state], language),
                "updated_on": i18n.page_date(tracked.updated_on),
                "steps": steps,
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


@pages_router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> Response:
    page = open_page(request)
    return page.render("track.html", track_context(page, "", {}))


@pages_router.post("/track", response_class=HTMLResponse)
async def track_lookup(request: Request) -> Response:
    page = open_page(request)
    form = await request.form()
    try:
        page.verify_csrf(_text(form, CSRF_FIELD))
    except CsrfFailed:
        return refused_form(page)
    kpj = _text(form, "kpj")[:32]

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
        with page.runtime.db.read_only() as session:
            result = views.tracking_view(session, number, page.language)
        return page.render("track.html", track_context(page, number, {}, result))

    return await anyio.to_thread.run_sync(run)
