"""What the applicant's claim pages share: opening the claim behind the page's cookie, the
tasks of the task list and their status, and the one way every form post of these pages
answers (post/redirect/get: 303 to a page with a notice, or `Page.refused` back to the form
with its messages in a sealed cookie; never a page rendered from the POST)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.casework import views
from claims.casework.schemas import ApplicantClaimView, ChecklistItem
from claims.catalogues import N_
from claims.errors import FieldProblem, NotFound, Unauthenticated
from claims.http.csrf import CSRF_FIELD, page_credentials
from claims.models import Claim
from claims.pages import i18n
from claims.pages.i18n import Language
from claims.pages.page import Errors, Page, error_message, field_errors, form_text, open_page
from claims.pages.posted import PostedForm
from claims.repositories.credentials import find_applicant_claim
from workflow.errors import WorkflowError
from workflow.identifiers import InvalidIdentifier

# Notices after a successful post, by the `done` query value: words the page shows once.
NOTICES = {
    "created": N_("done_created"),
    "saved": N_("saved"),
    "bank": N_("bank_saved"),
    "npwp": N_("npwp_saved"),
    "submitted": N_("done_submitted"),
    "rebooked": N_("done_rebooked"),
    "cancelled": N_("done_cancelled"),
}
# The task statuses (GOV.UK task list): the words' key and the tag's colour class. Every task
# is one form, saved whole, so none is ever half done ("in progress").
NOT_STARTED, DONE, ACCEPTED, FIX = "not_started", "done", "accepted", "fix"
OPTIONAL, CANNOT_START, SENT = "optional", "cannot_start", "sent"
STATUS_WORDS = {
    NOT_STARTED: N_("task_not_started"),
    DONE: N_("task_done"),
    ACCEPTED: N_("task_accepted"),
    FIX: N_("task_fix"),
    OPTIONAL: N_("task_optional"),
    CANNOT_START: N_("task_cannot_start"),
    SENT: N_("task_sent"),
}
FINISHED = (DONE, ACCEPTED, SENT)


def claim_url(claim_id: str, task: str = "") -> str:
    return f"/claims/{claim_id}" + (f"/{task}" if task else "")


def upload_input_id(doc_type: str) -> str:
    """The id of a document's file input (what its error summary links to)."""
    return f"files-{doc_type}"


def document_url(claim_id: str, doc_type: str) -> str:
    return claim_url(claim_id, f"dokumen/{doc_type}")


@dataclass(frozen=True)
class Task:
    """One row of the task list: `key` doubles as the row's id on the check page."""

    key: str
    label: str
    href: str
    status: str
    # Counted in "n of m done": required tasks only (an optional NPWP is not).
    counted: bool = True

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def document_status(item: ChecklistItem) -> str:
    if item.status == "rejected":
        return FIX
    if item.status == "accepted":
        return ACCEPTED
    if item.status == "uploaded":
        return DONE
    return NOT_STARTED if item.required else OPTIONAL


def document_tasks(view: ApplicantClaimView) -> list[Task]:
    return [
        Task(
            f"doc-{item.doc_type}",
            item.label,
            document_url(view.id, item.doc_type),
            document_status(item),
            counted=item.required,
        )
        for item in view.checklist
    ]


def detail_tasks(view: ApplicantClaimView, page: Page) -> list[Task]:
    """The bank account, and the NPWP when the claim needs one (or one was given)."""
    if view.bank_account is None:
        bank = NOT_STARTED
    elif view.status == "payout_failed":
        bank = FIX  # the transfer to it was refused: another account is needed
    else:
        bank = DONE
    tasks = [Task("bank", page.t("bank_account"), claim_url(view.id, "rekening"), bank)]
    required = view.estimate.npwp_required
    if required or view.npwp_given or "upload_documents" in view.allowed_actions:
        status = DONE if view.npwp_given else (NOT_STARTED if required else OPTIONAL)
        tasks.append(
            Task("npwp", page.t("npwp"), claim_url(view.id, "npwp"), status, counted=required)
        )
    return tasks


def check_task(view: ApplicantClaimView, page: Page, before: list[Task]) -> Task:
    if "submit" not in view.allowed_actions and view.status != "revision_requested":
        status = SENT
    elif all(task.finished or not task.counted for task in before):
        status = NOT_STARTED
    else:
        status = CANNOT_START
    return Task("check", page.t("task_check"), claim_url(view.id, "periksa"), status)


@dataclass(frozen=True)
class TaskList:
    documents: list[Task]
    details: list[Task]
    check: Task

    @property
    def counted(self) -> list[Task]:
        return [t for t in [*self.documents, *self.details, self.check] if t.counted]

    @property
    def done(self) -> int:
        return sum(1 for t in self.counted if t.finished)

    @property
    def unfinished(self) -> list[Task]:
        return [t for t in [*self.documents, *self.details] if t.counted and not t.finished]


def task_list(view: ApplicantClaimView, page: Page) -> TaskList:
    documents = document_tasks(view)
    details = detail_tasks(view, page)
    return TaskList(documents, details, check_task(view, page, [*documents, *details]))


def task_status_words(page: Page, status: str) -> str:
    return page.t(STATUS_WORDS[status])


def missing_label(item: str, view: ApplicantClaimView, language: Language) -> str:
    """A missing item of a refused submission in plain words (never its code)."""
    if item in i18n.MISSING_DATA_LABELS:
        return i18n.pick(i18n.MISSING_DATA_LABELS[item], language)
    for entry in view.checklist:
        if entry.doc_type == item:
            return entry.label
    return views.document_label(item, language)


def notice(page: Page) -> str | None:
    """The one-time notice of a successful post (`?done=`), with the document's name."""
    done = page.request.query_params.get("done", "")
    key = NOTICES.get(done)
    return page.t(key) if key else None


def closed_claim_page(page: Page, error: WorkflowError) -> Response:
    status = 401 if isinstance(error, Unauthenticated) else 404
    # A document the claim's checklist does not list, or the claim itself.
    unknown_document = error.data.get("resource") == "document"
    message = page.t("doc_unknown") if unknown_document else page.t("claim_not_open")
    return page.render(
        "message.html",
        {"title": page.t("error_title"), "message": message, "track_link": True},
        status=status,
    )


def closed_after_post(page: Page, claim_id: str, error: WorkflowError) -> Response:
    """A post to a claim this browser cannot open: without a cookie (cleared, signed out in
    another tab) the way back is signing in, a redirect like every other answer to a post;
    another claim's id answers as its page does (404, nothing said of it)."""
    if isinstance(error, Unauthenticated):
        return page.redirect("/masuk?" + urlencode({"next": claim_url(claim_id)}))
    return closed_claim_page(page, error)


Build = Callable[[Session, Claim, ApplicantClaimView], "dict[str, Any] | Response"]


def show_claim_page(page: Page, claim_id: str, template: str, build: Build) -> Response:
    """A page of the claim: `build` gives its context (or an answer of its own, a redirect)
    from the claim and its applicant view, read in one read-only session."""
    runtime = page.runtime
    try:
        with runtime.db.read_only() as session:
            now = runtime.clock.now()
            claim = find_applicant_claim(session, page_credentials(page.request), claim_id, now)
            view = views.applicant_view(session, claim, now, page.language)
            built = build(session, claim, view)
    except Unauthenticated:
        # No cookie (cleared, or another device): the way back in is signing in, which
        # opens every claim of the person's KPJs and comes back here.
        return page.redirect("/masuk?" + urlencode({"next": page.request.url.path}))
    except NotFound as closed:
        return closed_claim_page(page, closed)
    if isinstance(built, Response):
        return built
    context = {
        "claim": view,
        "status_label": i18n.status_label(view.status, page.language),
        "notice": notice(page),
        "errors": {},
        "values": {},
        **built,
    }
    if page.posted is not None:
        context.update(
            errors=page.posted.errors,
            values=page.posted.values,
            form_error=page.posted.form_error,
            **page.posted.extra,
        )
    response = page.render(template, context)
    # The pages show the claimant's name and masked numbers: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


Change = Callable[[Session, Claim, datetime, FormData], object]


@dataclass
class Refusal:
    """A refused change, worded for the form: messages by field, one for the whole form, and
    the missing items of a refused submission (as codes; the page words them)."""

    errors: Errors
    form_error: str | None
    missing: list[str]


def refusal_of(page: Page, refused: WorkflowError | InvalidIdentifier, whole: str) -> Refusal:
    """`whole`: the field that carries a refusal of no field of its own (the form's button)."""
    if isinstance(refused, InvalidIdentifier):
        return Refusal({refused.field: error_message(page, refused)}, None, [])
    errors: Errors = {}
    if isinstance(refused, FieldProblem) and refused.data.get("errors"):
        errors.update(field_errors(page, refused))
        if refused.code != "validation_failed":
            # A refusal with its own words (bank_account_not_own) says it best.
            errors[next(iter(errors))] = error_message(page, refused)
        return Refusal(errors, None, [])
    missing = [str(m) for m in refused.data.get("missing", [])]
    if whole:
        return Refusal({whole: error_message(page, refused)}, None, missing)
    return Refusal({}, error_message(page, refused), missing)


RefusedAnswer = Callable[[Page, FormData, Refusal], Response]


async def claim_post(
    request: Request,
    claim_id: str,
    change: Change,
    *,
    success: str,
    refused_answer: RefusedAnswer,
    whole: str = "",
) -> Response:
    """One form post of the claim pages: CSRF, then the change in one unit of work. Success
    answers 303 to `success`; a refusal answers what `refused_answer` makes of it (a
    `Page.refused` back to the form). Nothing changes on a refusal."""
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden

    def run() -> Response:
        runtime = page.runtime
        try:
            with runtime.db.unit_of_work() as session:
                now = runtime.clock.now()
                claim = find_applicant_claim(session, page_credentials(request), claim_id, now)
                change(session, claim, now, form)
        except (Unauthenticated, NotFound) as closed:
            return closed_after_post(page, claim_id, closed)
        except (InvalidIdentifier, WorkflowError) as refused:
            return refused_answer(page, form, refusal_of(page, refused, whole))
        return page.redirect(success)

    return await anyio.to_thread.run_sync(run)


def typed_values(form: FormData) -> dict[str, str]:
    """The values typed in a form, for showing them again (never the CSRF token)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def refused_to(
    page: Page, url: str, refusal: Refusal, values: dict[str, str], **extra: Any
) -> Response:
    """Back to the form at `url` with the refusal's messages, shown once at its top."""
    path = url.split("?")[0]
    posted = PostedForm(
        path,
        422,
        refusal.errors,
        values,
        refusal.form_error or (page.t("form_has_errors") if refusal.errors else None),
        extra,
    )
    return page.refused(path + "#error-summary", posted)


def summary_rows(errors: Errors, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """The error summary's links: (field id, label, message) in the form's order."""
    return [(name, label, errors[name]) for name, label in labels.items() if name in errors]
