"""The payout's lifecycle (workflow.md): handed to the bank, settled once.

pending -> sent (handed to the bank) -> paid | failed; `unknown` when the bank's answer did
not arrive (a status inquiry with the same reference settles it). A failed payout is kept
for the record and replaced by a new one."""

from __future__ import annotations

from enum import StrEnum

from workflow.lifecycle import Lifecycle, Step


class PayoutStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    unknown = "unknown"
    paid = "paid"
    failed = "failed"


class PayoutTrigger(StrEnum):
    send = "send"  # "about to send", committed before the bank hears of it
    send_again = "send_again"  # the bank's inquiry found nothing: sent again, same reference
    no_answer = "no_answer"  # the bank's answer did not arrive: ask again later
    confirm = "confirm"  # the bank carried it out (the dispatcher, or finance)
    fail = "fail"  # the bank refused it for good (the dispatcher, or finance)


# Not yet settled: the bank may still be asked, and the payout confirmed or failed.
OPEN_PAYOUT_STATUSES = (PayoutStatus.pending, PayoutStatus.sent, PayoutStatus.unknown)

PAYOUT_LIFECYCLE: Lifecycle[PayoutStatus, PayoutTrigger] = Lifecycle(
    "payout",
    PayoutStatus.pending,
    [
        Step(PayoutTrigger.send, (PayoutStatus.pending,), PayoutStatus.sent),
        Step(
            PayoutTrigger.send_again, (PayoutStatus.sent, PayoutStatus.unknown), PayoutStatus.sent
        ),
        Step(PayoutTrigger.no_answer, OPEN_PAYOUT_STATUSES, PayoutStatus.unknown),
        Step(PayoutTrigger.confirm, OPEN_PAYOUT_STATUSES, PayoutStatus.paid),
        Step(PayoutTrigger.fail, OPEN_PAYOUT_STATUSES, PayoutStatus.failed),
    ],
)


class BankTransferStatus(StrEnum):
    """The sandbox bank's own record of a transfer it was asked to make."""

    done = "done"
    refused = "refused"
