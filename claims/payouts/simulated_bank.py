"""The sandbox bank (api.md, Sandbox): the default payout gateway.

It behaves like a real bank with idempotency keys and keeps its own ledger in the
`sim_bank_transfers` table, written in its OWN transactions (it is another system: what it
has done stays done whatever happens to the caller's transaction):

- one ledger row per payout reference; a repeated transfer request under the same reference
  carries out nothing new, answers the first outcome and only counts the request (`requests`);
- accounts ending in `0000` are refused (account closed);
- for accounts ending in `9999` the first transfer request of each reference times out
  although the bank carried it out; a status inquiry reports it done.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from claims.clock import Clock
from claims.db import Database
from claims.models import SimulatedBankTransfer
from claims.payouts.gateway import BankTimeout, TransferResult

CLOSED_SUFFIX = "0000"
SLOW_SUFFIX = "9999"
ACCOUNT_CLOSED = "account_closed"
DONE = "done"
REFUSED = "refused"


def refusal_reason(account_number: str) -> str | None:
    return ACCOUNT_CLOSED if account_number.endswith(CLOSED_SUFFIX) else None


class SimulatedBank:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or Clock()

    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        with self.db.unit_of_work() as session:
            self._serialise(session, reference)
            row = self._row(session, reference)
            first = row is None
            if row is None:
                reason = refusal_reason(account_number)
                row = SimulatedBankTransfer(
                    reference=reference,
                    bank_code=bank_code,
                    account_number=account_number,
                    amount=amount,
                    status=REFUSED if reason else DONE,
                    bank_reference=f"SIM{'R' if reason else 'T'}-{uuid.uuid4().hex[:20].upper()}",
                    requests=1,
                    created_at=self.clock.now(),
                )
                session.add(row)
            else:
                row.requests += 1
            result = self._answer(row)
        # Committed: the bank has done it. The slow account's first answer never arrives.
        if first and account_number.endswith(SLOW_SUFFIX):
            raise BankTimeout(f"no answer for {reference}")
        return result

    def inquire(self, reference: str) -> TransferResult:
        with self.db.read_only() as session:
            row = self._row(session, reference)
            return TransferResult.not_found() if row is None else self._answer(row)

    @staticmethod
    def _row(session: Session, reference: str) -> SimulatedBankTransfer | None:
        return session.scalar(
            select(SimulatedBankTransfer).where(SimulatedBankTransfer.reference == reference)
        )

    def _serialise(self, session: Session, reference: str) -> None:
        """One request per reference at a time, like a bank's idempotency-key lock. SQLite's
        writers are serialised already (BEGIN IMMEDIATE)."""
        if not self.db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:r))"), {"r": reference})

    @staticmethod
    def _answer(row: SimulatedBankTransfer) -> TransferResult:
        if row.status == DONE:
            return TransferResult.done(row.bank_reference)
        return TransferResult.refused(refusal_reason(row.account_number) or REFUSED)
