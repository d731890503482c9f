"""The service's exception family. It extends the workflow's (same fields: `code`,
`status_hint`, messages in Bahasa Indonesia and English, `data`), so one handler maps every
refusal to RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow.errors import WorkflowError


class ServiceError(WorkflowError):
    default_code = "service_error"
    default_status_hint = 400


class NotFound(ServiceError):
    """Missing, or not yours: the same answer, so ids cannot be probed."""

    default_code = "not_found"
    default_status_hint = 404

    def __init__(self, what: str = "claim") -> None:
        labels = {"claim": "Klaim", "document": "Dokumen", "payout": "Pembayaran"}
        super().__init__(
            f"No such {what}.",
            f"{labels.get(what, 'Data')} tidak ditemukan.",
            data={"resource": what},
        )


class Unauthenticated(ServiceError):
    default_code = "unauthenticated"
    default_status_hint = 401

    def __init__(self) -> None:
        super().__init__(
            "Send a valid token as 'Authorization: Bearer <token>'.",
            "Kirim token yang sah sebagai 'Authorization: Bearer <token>'.",
        )


class Forbidden(ServiceError):
    default_code = "forbidden"
    default_status_hint = 403

    def __init__(self, message_en: str, message_id: str, *, code: str = "forbidden") -> None:
        super().__init__(message_en, message_id, code=code)


class Conflict(ServiceError):
    default_code = "conflict"
    default_status_hint = 409


class ConcurrentChange(Conflict):
    default_code = "concurrent_change"

    def __init__(self) -> None:
        super().__init__(
            "The claim was changed by someone else at the same time; load it again and retry.",
            "Klaim baru saja diubah oleh pihak lain; muat ulang lalu coba lagi.",
        )


class PreconditionFailed(ServiceError):
    default_code = "stale_version"
    default_status_hint = 412

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "The claim has changed since you loaded it (If-Match does not match its ETag).",
            "Klaim telah berubah sejak Anda memuatnya (If-Match tidak cocok dengan ETag).",
            data={"current_etag": f'"{current_version}"'},
        )


class FieldProblem(ServiceError):
    """Invalid content of named fields: 422 with `errors: [{field, message}]`."""

    default_code = "validation_failed"
    default_status_hint = 422

    def __init__(
        self,
        errors: Sequence[Mapping[str, str]],
        message_en: str = "Some fields are not valid.",
        message_id: str = "Beberapa isian tidak valid.",
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(
            message_en, message_id, code=code, data={"errors": [dict(e) for e in errors]}
        )


class TooManyRequests(ServiceError):
    default_code = "rate_limited"
    default_status_hint = 429

    def __init__(self, retry_after_seconds: int, *, code: str = "rate_limited") -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after_seconds} seconds.",
            f"Terlalu banyak permintaan; coba lagi dalam {retry_after_seconds} detik.",
            code=code,
            data={"retry_after": retry_after_seconds},
        )


def refusal(code: str, status: int, message_en: str, message_id: str, **data: Any) -> ServiceError:
    """A one-off refusal with its own code, for cases that need no class of their own."""
    return ServiceError(message_en, message_id, code=code, status_hint=status, data=data)
