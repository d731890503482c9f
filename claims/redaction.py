"""What may leave the process in a log line or in `outbox.last_error`: never a NIK, a KPJ, a
bank account number or a bearer token. Database and SMTP errors quote what they were given
(a failed INSERT its row, PostgreSQL's "Key (nik)=(...)", a bank's refusal the account), so
their text is scrubbed by shape rather than trusted: any run of ten or more digits (NIK 16,
KPJ 11, account numbers 10-16, also as typed with dots or dashes) and anything shaped like a
token (32 or more URL-safe characters with both cases of letter, which snake_case names and
hex digests never have) becomes `[redacted]`. Claim references (JHT-2612-AB12CD), dates,
amounts and exception class names keep their meaning."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_LONG_NUMBER = re.compile(r"\d(?:[.\-]?\d){9,}")
_TOKEN = re.compile(r"(?<![\w-])(?=[\w-]*[a-z])(?=[\w-]*[A-Z])[\w-]{32,}(?![\w-])", re.ASCII)


def redact(text: str) -> str:
    """`text` without identifiers or tokens."""
    return _LONG_NUMBER.sub(REDACTED, _TOKEN.sub(REDACTED, text))


def describe_failure(error: BaseException) -> str:
    """An exception for `outbox.last_error` or a log line: its class, and its message scrubbed."""
    return redact(f"{type(error).__name__}: {error}")


class _Scrubbed:
    """A log argument that shows scrubbed whichever way the format asks for it (%s or %r)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return redact(str(self.value))

    def __repr__(self) -> str:
        return redact(repr(self.value))


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float):
        return value  # %d and %f still format; our identifiers are strings
    return _Scrubbed(value)


_installed = False


def install_log_redaction() -> None:
    """Every log record of this process is scrubbed as it is made, whichever handler then
    writes it (uvicorn's, pytest's, an operator's dictConfig): its message and each argument
    (kept apart, for formatters that read them, such as uvicorn's access log), the traceback
    of its exception and its stack. Records below a logger's level are never made, so quiet
    loggers cost nothing. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else _scrubbed(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrubbed(value) for value in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _scrubbed(value) for key, value in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters use `exc_text` when it is set rather than formatting the exception.
            formatted = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = redact(formatted).rstrip("\n")
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(redacting_record)
