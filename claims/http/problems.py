"""The one place where every refusal and every failure becomes an RFC 9457
`application/problem+json` response, in Bahasa Indonesia unless the client prefers English.

Problem `type` is `https://jht-claims.example/problems/<code>`: one URI per machine-readable
`code`, so clients can switch on either; `title` is the same for every problem of one status.
Titles, validation messages and the details of our own problems are catalogue keys
(claims/catalogues.py); the workflow's refusals still bring their words as pairs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from claims.catalogues import N_, message
from claims.catalogues import Language as Language  # callers name it from here
from documents.errors import DocumentRejected
from scheduling.errors import SchedulingError
from workflow.errors import WorkflowError
from workflow.identifiers import InvalidIdentifier

logger = logging.getLogger("claims.http")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://jht-claims.example/problems/"

# Keys of an exception's `.data` that clients may see (api.md names the first four). Anything
# else stays server-side: services may put internal ids or personal data there for logs.
# The claim's status is renamed, because `status` is the problem's HTTP status.
PUBLIC_DATA_KEYS: Mapping[str, str] = {
    "errors": "errors",
    "missing": "missing",
    "allowed_triggers": "allowed_triggers",
    "eligible_from": "eligible_from",
    "eligibility_code": "eligibility_code",
    "retry_after": "retry_after",
    "current_etag": "current_etag",
    "allowed_roles": "allowed_roles",
    "trigger": "trigger",
    "status": "claim_status",
    "resource": "resource",
    "file_index": "file_index",
    # nothing_to_claim: the account's statement and what was paid or is being paid from it,
    # told to the applicant who just proved who they are.
    "statement_date": "statement_date",
    "paid_out": "paid_out",
    "held": "held",
}

# The words of problems are catalogue keys (claims/locales), each written out with N_ so that
# the extraction sees it; message() is a lookup in catalogues read once per process, so a
# refusal under load (a 429) costs no file read.
# One title per HTTP status, as RFC 9457 asks of a type's title.
TITLE_KEYS: Mapping[int, str] = {
    400: N_("problem.title.400"),
    401: N_("problem.title.401"),
    403: N_("problem.title.403"),
    404: N_("problem.title.404"),
    405: N_("problem.title.405"),
    409: N_("problem.title.409"),
    412: N_("problem.title.412"),
    413: N_("problem.title.413"),
    415: N_("problem.title.415"),
    422: N_("problem.title.422"),
    429: N_("problem.title.429"),
    500: N_("problem.title.500"),
}

# Pydantic error types we word ourselves; others fall back to a generic sentence. Types that
# say the same thing share one key (named after the first of them), so it is translated once.
GENERIC_INVALID = N_("problem.validation.generic")
VALIDATION_KEYS: Mapping[str, str] = {
    "missing": N_("problem.validation.missing"),
    "extra_forbidden": N_("problem.validation.extra_forbidden"),
    "string_type": N_("problem.validation.string_type"),
    "int_type": N_("problem.validation.int_type"),
    "int_parsing": N_("problem.validation.int_type"),
    "bool_type": N_("problem.validation.bool_type"),
    "bool_parsing": N_("problem.validation.bool_type"),
    "date_type": N_("problem.validation.date_type"),
    "date_parsing": N_("problem.validation.date_type"),
    "date_from_datetime_parsing": N_("problem.validation.date_type"),
    "datetime_type": N_("problem.validation.datetime_type"),
    "datetime_parsing": N_("problem.validation.datetime_type"),
    "timezone_aware": N_("problem.validation.timezone_aware"),
    "enum": N_("problem.validation.enum"),
    "literal_error": N_("problem.validation.enum"),
    "string_too_short": N_("problem.validation.string_too_short"),
    "string_too_long": N_("problem.validation.string_too_long"),
    "string_pattern_mismatch": N_("problem.validation.string_pattern_mismatch"),
    "too_short": N_("problem.validation.too_short"),
    "too_long": N_("problem.validation.too_long"),
    "greater_than": N_("problem.validation.greater_than"),
    "greater_than_equal": N_("problem.validation.greater_than"),
    "less_than": N_("problem.validation.less_than"),
    "less_than_equal": N_("problem.validation.less_than"),
    "model_attributes_type": N_("problem.validation.dict_type"),
    "dict_type": N_("problem.validation.dict_type"),
    "list_type": N_("problem.validation.list_type"),
    "value_error": GENERIC_INVALID,
}


def preferred_language(request: Request) -> Language:
    """'en' when Accept-Language ranks English above Indonesian, else 'id' (the default)."""
    header = request.headers.get("accept-language", "")
    best: dict[Language, float] = {}
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        language: Language | None = (
            "en" if primary == "en" else "id" if primary in {"id", "in"} else None
        )
        if language is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        # Earlier entries win ties, as browsers list languages in order of preference.
        score = quality - position * 1e-6
        if quality > 0 and score > best.get(language, -1.0):
            best[language] = score
    if "en" in best and best["en"] > best.get("id", -1.0):
        return "en"
    return "id"


def pick(language: Language, message_id: str, message_en: str) -> str:
    """One of the (Indonesian, English) pair an exception still carries (docs/architecture.md
    "Words and languages": refusals are to carry a key instead)."""
    return message_en if language == "en" else message_id


# How routes declare their refusals in OpenAPI: `responses={404: PROBLEM, ...}`, so clients
# and schemathesis see the real content type and shape of every problem.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}
PROBLEM: dict[str, Any] = {
    "description": "RFC 9457 problem (Bahasa Indonesia unless English is preferred)",
    "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}},
}


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    language: Language,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; `extra` members are added after the standard ones."""
    title_key = TITLE_KEYS.get(status)
    title = HTTPStatus(status).phrase if title_key is None else message(title_key, language)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    all_headers = {"Content-Language": language, "Vary": "Accept-Language"}
    all_headers.update(headers or {})
    if "retry_after" in body and status == 429:
        all_headers.setdefault("Retry-After", str(body["retry_after"]))
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers=all_headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )


def _localised_errors(items: Sequence[Any], language: Language) -> list[dict[str, Any]]:
    """`errors` items may carry one `message` or both `message_id` and `message_en`."""
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        entry: dict[str, Any] = {"field": str(item.get("field", ""))}
        if "message_id" in item or "message_en" in item:
            entry["message"] = pick(
                language, str(item.get("message_id", "")), str(item.get("message_en", ""))
            )
        else:
            entry["message"] = str(item.get("message", ""))
        if "code" in item:
            entry["code"] = str(item["code"])
        result.append(entry)
    return result


def public_data(data: Mapping[str, Any], language: Language) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key, public_key in PUBLIC_DATA_KEYS.items():
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if key == "errors":
            value = _localised_errors(value, language)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        extra[public_key] = value
    return extra


def render_workflow_error(error: WorkflowError, language: Language) -> JSONResponse:
    """Also used by middlewares, which run outside FastAPI's exception handlers."""
    return problem_response(
        status=error.status_hint,
        code=error.code,
        detail=pick(language, error.message_id, error.message_en),
        language=language,
        extra=public_data(error.data, language),
    )


def _validation_message(error: Mapping[str, Any], language: Language) -> str:
    cause = (error.get("ctx") or {}).get("error")
    # Our value types raise InvalidIdentifier (a ValueError) inside pydantic validators.
    if isinstance(cause, InvalidIdentifier | DocumentRejected | SchedulingError):
        return pick(language, cause.message_id, cause.message_en)
    return message(VALIDATION_KEYS.get(str(error.get("type")), GENERIC_INVALID), language)


def field_name(location: Sequence[Any]) -> str:
    """('body', 'heir', 'nik') -> 'body.heir.nik'; list positions stay numbers."""
    return ".".join(str(part) for part in location)


async def _on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = preferred_language(request)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(
            status=400,
            code="malformed_request",
            detail=message(N_("problem.detail.malformed_json"), language),
            language=language,
        )
    items = [
        {
            "field": field_name(error.get("loc", ())),
            "message": _validation_message(error, language),
        }
        for error in errors
    ]
    return problem_response(
        status=422,
        code="validation_failed",
        detail=message(N_("problem.detail.validation_failed"), language),
        language=language,
        extra={"errors": items},
    )


async def _on_workflow_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowError)
    return render_workflow_error(exc, preferred_language(request))


async def _on_invalid_identifier(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidIdentifier)
    language = preferred_language(request)
    message = pick(language, exc.message_id, exc.message_en)
    return problem_response(
        status=422,
        code="validation_failed",
        detail=message,
        language=language,
        extra={"errors": [{"field": exc.field, "message": message, "code": str(exc.code)}]},
    )


async def _on_scheduling_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SchedulingError)
    language = preferred_language(request)
    return problem_response(
        status=422,
        code=exc.code,
        detail=pick(language, exc.message_id, exc.message_en),
        language=language,
    )


async def _on_document_rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocumentRejected)
    language = preferred_language(request)
    extra = {} if exc.file_index is None else {"file_index": exc.file_index}
    return problem_response(
        status=exc.status,
        code=exc.code,
        detail=pick(language, exc.message_id, exc.message_en),
        language=language,
        extra=extra,
    )


# (code, catalogue key of the detail) of the HTTP errors Starlette raises itself.
HTTP_EXCEPTION_CODES: Mapping[int, tuple[str, str]] = {
    400: ("malformed_request", N_("problem.detail.malformed_request")),
    404: ("not_found", N_("problem.detail.not_found")),
    405: ("method_not_allowed", N_("problem.detail.method_not_allowed")),
}


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    language = preferred_language(request)
    status = exc.status_code
    known = HTTP_EXCEPTION_CODES.get(status)
    if known is not None:
        code, detail_key = known
        detail = message(detail_key, language)
    else:
        phrase = HTTPStatus(status).phrase
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem_response(
        status=status, code=code, detail=detail, language=language, headers=exc.headers
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log only; the client gets a generic sentence.
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    language = preferred_language(request)
    return problem_response(
        status=500,
        code="internal_error",
        detail=message(N_("problem.detail.internal_error"), language),
        language=language,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Registers the handlers; call once in `create_app()`."""
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(WorkflowError, _on_workflow_error)
    app.add_exception_handler(InvalidIdentifier, _on_invalid_identifier)
    app.add_exception_handler(SchedulingError, _on_scheduling_error)
    app.add_exception_handler(DocumentRejected, _on_document_rejected)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    # Registered for Exception, Starlette runs this in its outermost middleware; it answers
    # the client and then re-raises, so the server also logs the error as usual.
    app.add_exception_handler(Exception, _on_unexpected)
