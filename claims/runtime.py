"""What one process of the service holds: settings, database, the clock, the bank payouts go
through, and the document services (store and worker pool) made on first upload. Built once
by the CLI or `create_app()`, and passed to whatever needs it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from claims.clock import Clock
from claims.db import Database
from claims.migrate import upgrade_to_head
from claims.payouts.gateway import BankGateway, HttpBankGateway
from claims.payouts.simulated_bank import SimulatedBank
from claims.repositories.monitoring import ping
from claims.repositories.sandbox_clock import sandbox_offset
from claims.settings import Settings
from claims.uploads.resources import DocumentServices


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or migrated; the message is one line for the operator."""


def describe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    # Document store and worker pool, made on first use (claims.uploads.service).
    documents: DocumentServices | None = None
    # The bank payouts go through: the gateway at JHT_BANK's address, else the simulated bank
    # over this database (which only the sandbox may serve: Settings.refuse_unsafe_production).
    bank: BankGateway = field(init=False)

    def __post_init__(self) -> None:
        gateway_url = self.settings.bank_gateway_url
        self.bank = (
            HttpBankGateway(gateway_url) if gateway_url else SimulatedBank(self.db, self.clock)
        )

    def refresh_clock(self) -> None:
        """Reads the sandbox clock's offset, which another process may have moved."""
        if not self.settings.sandbox:
            return
        offset = sandbox_offset(self.db)
        if offset is not None:
            self.clock.set_offset(offset)

    def close(self) -> None:
        if self.documents is not None:
            self.documents.close()
        self.db.dispose()


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    db = Database(url, background_checkpoints=True)
    try:
        if migrate:
            upgrade_to_head(db.engine)
        else:
            ping(db)
    except (OperationalError, DBAPIError) as error:
        db.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(
            f"cannot use the database {describe_url(url)}: {reason}"
        ) from None
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    runtime.refresh_clock()
    return runtime
