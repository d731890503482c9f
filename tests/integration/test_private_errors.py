"""Files and logs (issue 16, item 8), in process: database errors carry no bound parameters,
and what the dispatchers copy into `outbox.last_error` or a log line keeps the error's class
and loses every NIK, KPJ, account number and token, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import smtplib
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from claims.clock import Clock
from claims.db import Database, driver_execute, insert_of, make_engine
from claims.models import OutboxMessage, SimulatedBankTransfer
from claims.notifications.dispatcher import dispatch_notifications
from claims.payouts.dispatcher import dispatch_payouts
from claims.payouts.gateway import HolderAnswer, TransferResult
from claims.redaction import install_log_redaction
from claims.runtime import Runtime, open_runtime
from claims.security import new_token
from claims.settings import Settings
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import NOW, add_staff, create, load_samples, new_claim_request, sample
from workflow.states import ClaimReason

ACCOUNT = "1234567890"
LEDGER = SimulatedBankTransfer.__table__
assert isinstance(LEDGER, Table)


@pytest.fixture
def runtime(db: Database, data_dir: Path, tmp_path: Path) -> Iterator[Runtime]:
    load_samples(db, tmp_path / "samples")
    settings = Settings(database_url=db.url, data_dir=data_dir, scheduler=False)
    install_log_redaction()  # as open_runtime does in every process of the service
    yield Runtime(settings=settings, db=db, clock=Clock())


def failing_insert(db: Database, account_number: str) -> None:
    """A real database error about a row holding an account number: a ledger row without its
    reference (NOT NULL). SQLAlchemy quotes the parameters in the error unless told not to;
    PostgreSQL's DETAIL quotes the failing row itself."""
    row = {"id": 1, "account_number": account_number}
    with db.unit_of_work() as session:
        driver_execute(session.connection(), insert_of(LEDGER, row), row)


def test_every_engine_hides_bound_parameters(db: Database) -> None:
    assert db.engine.hide_parameters
    assert make_engine("postgresql+psycopg://jht@127.0.0.1:1/none").hide_parameters
    with pytest.raises(IntegrityError) as raised:
        failing_insert(db, ACCOUNT)
    assert "parameters hidden" in str(raised.value)
    assert f"'{ACCOUNT}'" not in str(raised.value).split("[SQL:")[1]


class BankOnABrokenLedger:
    """A bank whose client fails on its own database: the error names the account number."""

    def __init__(self, db: Database, holder: str) -> None:
        self.db = db
        self.holder = holder

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        """The account is the claimant's: the transfer is what fails."""
        return HolderAnswer.known(self.holder)

    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        failing_insert(self.db, account_number)
        raise AssertionError("the insert above fails")

    def inquire(self, reference: str) -> TransferResult:
        return TransferResult.unknown("no answer")


def test_a_database_error_reaches_neither_last_error_nor_the_log_with_the_account(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    row = sample("resignation: balance 80.000.000")
    staff = add_staff(runtime.db, row["_branch"])
    claim_id = approve_one(runtime.db, row, reasons_for(row["_label"])[0], staff, ACCOUNT)
    assert claim_id is not None
    caplog.set_level(logging.DEBUG)
    dispatch_payouts(
        runtime,
        NOW.replace(year=NOW.year + 1),
        gateway=BankOnABrokenLedger(runtime.db, row["full_name"]),
    )
    with runtime.db.read_only() as session:
        [error] = session.scalars(
            select(OutboxMessage.last_error).where(OutboxMessage.kind == "payout")
        )
    assert error is not None and error.startswith("IntegrityError")
    assert ACCOUNT not in error and row["nik"] not in error
    assert "no answer from the bank" in caplog.text and "null" in caplog.text.lower()
    assert ACCOUNT not in caplog.text and row["kpj"] not in caplog.text


class RefusingServer:
    """An SMTP server's refusal that quotes what it was sent."""

    def __init__(self, quoted: str) -> None:
        self.quoted = quoted

    def send(self, message: EmailMessage, name: str) -> None:
        raise smtplib.SMTPDataError(554, f"5.7.1 rejected: {self.quoted}".encode())


def test_an_smtp_refusal_keeps_its_class_and_loses_identifiers(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    row = sample("resignation: balance 80.000.000")
    create(runtime.db, new_claim_request(row, ClaimReason.resignation))
    token = new_token()
    quoted = f"NIK {row['nik']} KPJ {row['kpj']} rekening {ACCOUNT} token {token}"
    caplog.set_level(logging.DEBUG)
    dispatch_notifications(runtime, NOW, sender=RefusingServer(quoted))
    with runtime.db.read_only() as session:
        [error] = session.scalars(
            select(OutboxMessage.last_error).where(OutboxMessage.kind == "notification")
        )
    assert error is not None and error.startswith("SMTPDataError: (554")
    assert "rejected" in error
    for secret in (row["nik"], row["kpj"], ACCOUNT, token):
        assert secret not in error and secret not in caplog.text


def test_log_lines_and_tracebacks_are_scrubbed_whatever_the_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_redaction()
    token = new_token()
    logger = logging.getLogger("claims.test_private_errors")
    caplog.set_level(logging.DEBUG)
    try:
        raise ValueError(f"bad row ('3101012111700001', '{ACCOUNT}', '{token}')")
    except ValueError:
        logger.exception("payout JHT-2612-AB12CD failed for KPJ %s", "26000000001")
    text = caplog.text  # formatted, traceback included
    assert "JHT-2612-AB12CD" in text and "ValueError" in text and "[redacted]" in text
    for secret in ("3101012111700001", ACCOUNT, token, "26000000001"):
        assert secret not in text


@pytest.fixture
def ordinary_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_fresh_data_folder_is_private_from_birth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ordinary_umask: None
) -> None:
    def no_chmod(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("made public, then chmod-ed: private only after an instant")

    monkeypatch.setattr(os, "chmod", no_chmod)
    folder = tmp_path / "var"
    runtime = open_runtime(Settings(data_dir=folder, database_url=None, scheduler=False))
    try:
        runtime.settings.secret_key()
        with runtime.db.unit_of_work() as session:  # a write: the -wal and -shm files exist
            session.execute(select(1))
        made = [folder, *folder.rglob("*")]
        assert {path.name for path in made} >= {
            "var",
            "jht.sqlite3",
            "jht.sqlite3-wal",
            "secret.key",
        }
        for path in made:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
    finally:
        runtime.close()
