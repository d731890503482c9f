"""The sandbox bank (api.md, Sandbox): the default payout gateway.

It behaves like a real bank with idempotency keys and keeps its own ledger in the
`sim_bank_transfers` table, written in its OWN transactions (it is another system: what it
has done stays done whatever happens to the caller's transaction):

- one ledger row per payout reference; a repeated transfer request under the same reference
  carries out nothing new, answers the first outcome and only counts the request (`requests`);
- accounts ending in `0000` are refused (account closed);
- for accounts ending in `9999` the first transfer request of each reference times out
  although the bank carried it out; a status inquiry reports it done;
- an account-name inquiry answers the holder registered with the claim (the payout's, in
  capitals as banks write it), except for accounts ending in `8888`, which the bank reports
  under another name (`OTHER_HOLDER`).
"""

from __future__ import annotations

import uuid

from claims.clock import Clock
from claims.db import Database
from claims.models import SimulatedBankTransfer
from claims.payouts.gateway import BankTimeout, HolderAnswer, TransferResult
from claims.repositories.payouts import (
    add_bank_transfer,
    bank_transfer,
    count_bank_request,
    locked_bank_transfer,
    payout_by_reference,
)
from workflow.payout_lifecycle import BankTransferStatus

CLOSED_SUFFIX = "0000"
SLOW_SUFFIX = "9999"
OTHER_HOLDER_SUFFIX = "8888"
OTHER_HOLDER = "PT DANA TALANGAN NUSANTARA"  # a collecting account: nobody's own name
ACCOUNT_CLOSED = "account_closed"


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
            row = locked_bank_transfer(session, reference)
            first = row is None
            if row is None:
                reason = refusal_reason(account_number)
                row = SimulatedBankTransfer(
                    reference=reference,
                    bank_code=bank_code,
                    account_number=account_number,
                    amount=amount,
                    status=BankTransferStatus.refused if reason else BankTransferStatus.done,
                    bank_reference=f"SIM{'R' if reason else 'T'}-{uuid.uuid4().hex[:20].upper()}",
                    requests=1,
                    created_at=self.clock.now(),
                )
                add_bank_transfer(session, row)
            else:
                count_bank_request(row)
            result = self._answer(row)
        # Committed: the bank has done it. The slow account's first answer never arrives.
        if first and account_number.endswith(SLOW_SUFFIX):
            raise BankTimeout(f"no answer for {reference}")
        return result

    def inquire(self, reference: str) -> TransferResult:
        with self.db.read_only() as session:
            row = bank_transfer(session, reference)
            return TransferResult.not_found() if row is None else self._answer(row)

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        with self.db.read_only() as session:
            payout = payout_by_reference(session, reference)
            registered = payout is not None and (payout.bank_code, payout.account_number) == (
                bank_code,
                account_number,
            )
            holder = payout.account_holder if payout is not None and registered else None
        if holder is None:
            return HolderAnswer.no_account()
        if account_number.endswith(OTHER_HOLDER_SUFFIX):
            return HolderAnswer.known(OTHER_HOLDER)
        return HolderAnswer.known(holder.upper())

    @staticmethod
    def _answer(row: SimulatedBankTransfer) -> TransferResult:
        if row.status == BankTransferStatus.done:
            return TransferResult.done(row.bank_reference)
        return TransferResult.refused(
            refusal_reason(row.account_number) or BankTransferStatus.refused.value
        )
