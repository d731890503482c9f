"""`POST /api/v1/sms/inbound`: the SMS aggregator delivers each message of 2757 here
(channels.md). The signature is checked over the raw body before anything is parsed; then
the message is answered by `claims.sms.inbound`, its reply queued for the aggregator to send.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from claims.errors import refusal
from claims.http.auth import get_runtime
from claims.http.problems import PROBLEM
from claims.http.ratelimit import get_rate_limiter
from claims.sms.inbound import InboundSms, receive_sms

SIGNATURE_HEADER = "X-Signature"

sms_router = APIRouter(prefix="/api/v1/sms", tags=["sms"])


class InboundSmsBody(BaseModel):
    """One message as the aggregator posts it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    message_id: str = Field(min_length=1, max_length=100, description="The aggregator's id")
    sender: str = Field(alias="from", min_length=1, max_length=32, description="The sender")
    to: str = Field(max_length=32, description="The short code, 2757")
    # Up to ten concatenated parts: longer is no command anyway, and is answered with help.
    text: str = Field(max_length=1600, description="The message as typed")
    received_at: AwareDatetime = Field(description="When the aggregator received it")

    @field_validator("received_at")
    @classmethod
    def _in_utc_range(cls, value: datetime) -> datetime:
        # Stored in UTC: a moment that has no UTC form (year 9999 at UTC-14) is refused
        # here (422) rather than failing the insert.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("received_at is out of range") from None


class Accepted(BaseModel):
    accepted: bool = True


ACCEPTED = b'{"accepted":true}'


def _signature_valid(secret: bytes, body: bytes, signature: str | None) -> bool:
    if signature is None:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


_BODY_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": InboundSmsBody.model_json_schema(by_alias=True)}
        },
    }
}


@sms_router.post(
    "/inbound",
    response_model=Accepted,
    responses={400: PROBLEM, 401: PROBLEM, 422: PROBLEM, 503: PROBLEM},
    openapi_extra=_BODY_SCHEMA,
)
async def inbound_sms(request: Request) -> Response:
    """One inbound SMS, signed `X-Signature: hex(HMAC-SHA256(JHT_SMS_SECRET, raw body))`.
    Answered 200 `{accepted: true}` once its reply is queued; the same `message_id` again
    (whatever its body) is answered the same and does nothing more."""
    # The runtime and the limiter straight from the app, not as dependencies: FastAPI's
    # dependency resolution costs more than the rest of the route's own work on the loop.
    runtime, limiter = get_runtime(request), get_rate_limiter(request)
    secret = runtime.settings.sms_secret
    if secret is None or not secret.get_secret_value():
        raise refusal(
            "sms_not_configured",
            503,
            "SMS is not configured on this service (JHT_SMS_SECRET is not set).",
            "Layanan SMS belum dikonfigurasi (JHT_SMS_SECRET belum diisi).",
        )
    raw = await request.body()
    if not _signature_valid(
        secret.get_secret_value().encode(), raw, request.headers.get(SIGNATURE_HEADER)
    ):
        raise refusal(
            "signature_invalid",
            401,
            "The X-Signature header is missing or does not sign this body.",
            "Header X-Signature tidak ada atau tidak cocok dengan isi permintaan.",
        )
    try:
        body = InboundSmsBody.model_validate_json(raw)
    except ValidationError as invalid:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors()]
        ) from None
    message = InboundSms(body.message_id, body.sender, body.to, body.text, body.received_at)
    await receive_sms(
        runtime.db, limiter, message, hashlib.sha256(raw).hexdigest(), runtime.clock.now()
    )
    return Response(ACCEPTED, media_type="application/json")
