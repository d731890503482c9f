"""The payout's lifecycle (workflow.md): handed to the bank, settled once.

pending -> sent (handed to the bank) -> paid | failed; `unknown` when the bank's answer did
not arrive (a status inquiry with the same reference settles it). A failed payout is kept
for the record and replaced by a new one."""

from __future__ import annotations

from enum import StrEnum


class PayoutStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    unknown = "unknown"
    paid = "paid"
    failed = "failed"


class BankTransferStatus(StrEnum):
    """The sandbox bank's own record of a transfer it was asked to make."""

    done = "done"
    refused = "refused"
