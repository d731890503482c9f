"""claims.redaction: identifiers and tokens go, what an operator needs to read stays."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from uvicorn.logging import AccessFormatter

from claims.redaction import REDACTED, describe_failure, install_log_redaction, redact
from claims.security import new_token


@pytest.mark.parametrize(
    "secret",
    [
        "3101012111700001",  # NIK
        "26000000001",  # KPJ
        "2600000000-1",  # KPJ as typed
        "26.000000001",
        "1234567890",  # the shortest account number
        "1234567890123456",  # the longest
    ],
)
def test_identifiers_are_redacted(secret: str) -> None:
    assert (
        redact(f"Key (nik)=({secret}) already exists") == f"Key (nik)=({REDACTED}) already exists"
    )


def test_tokens_are_redacted_wherever_they_stand() -> None:
    for _ in range(200):  # random tokens: every shape they come in
        token = new_token()
        assert token not in redact(f"GET /claims?token={token} 200")
        assert token not in redact(f"'{token}',")


@pytest.mark.parametrize(
    "kept",
    [
        "payout JHT-2612-AB12CD-P1: paid",
        "scheduled job payout_dispatch failed at 2026-12-07T17:00:00+07:00",
        "2026-12-07 17:00:00,123",
        "Rp 150.000.000 withheld 7.500.000",
        "ix_claims_documents_pending_by_branch_and_created",  # long snake_case names
        hashlib.sha256(b"document").hexdigest(),  # content addresses of documents
        "UnitOfWorkSession",
        "127.0.0.1:8000",
    ],
)
def test_what_operators_read_is_kept(kept: str) -> None:
    assert redact(kept) == kept


def test_a_failure_keeps_its_class() -> None:
    assert describe_failure(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert describe_failure(ValueError("account 1234567890")) == f"ValueError: account {REDACTED}"


def test_formatters_that_read_the_arguments_still_work() -> None:
    # uvicorn's access log unpacks the record's arguments: they are scrubbed one by one.
    install_log_redaction()
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(AccessFormatter('%(client_addr)s "%(request_line)s" %(status_code)s'))
    access = logging.getLogger("uvicorn.access.test")
    access.addHandler(handler)
    access.propagate = False
    try:
        access.warning(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/tracking/26000000001", "1.1", 200
        )
    finally:
        access.removeHandler(handler)
    assert written.getvalue() == f'127.0.0.1:5000 "GET /tracking/{REDACTED} HTTP/1.1" 200 OK\n'
