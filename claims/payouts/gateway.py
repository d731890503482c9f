"""The bank behind a payout: one small interface (`BankGateway`, answering `TransferResult`s)
and the real adapter, `HttpBankGateway`: a bank reached over HTTP at a configurable base URL.
The sandbox bank (claims.payouts.simulated_bank) is the other implementation.

Which one a process uses is the setting `JHT_BANK` (claims.runtime): the gateway's https://
address, or `simulated`, which only the sandbox may use; tests may also pass `gateway=` to the
dispatcher.

Before the first transfer of a payout the dispatcher asks the bank whose account it is
(`account_holder`, an account-name inquiry) and sends nothing to an account the bank reports
under another name than the claimant's.

The payout reference is the bank's idempotency key: the same reference sent twice is one
transfer. A timeout is never a refusal: the caller treats it as "unknown" and asks the bank with
`inquire(reference)` what happened before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx


class Outcome(StrEnum):
    done = "done"  # the bank carried out the transfer (bank_reference set)
    refused = "refused"  # the bank refused it for good (reason set)
    unknown = "unknown"  # no answer (timeout, connection lost, server error): ask again later
    not_found = "not_found"  # inquiry only: the bank has no transfer under this reference


@dataclass(frozen=True)
class TransferResult:
    outcome: Outcome
    bank_reference: str | None = None
    reason: str | None = None

    @classmethod
    def done(cls, bank_reference: str) -> TransferResult:
        return cls(Outcome.done, bank_reference=bank_reference)

    @classmethod
    def refused(cls, reason: str) -> TransferResult:
        return cls(Outcome.refused, reason=reason)

    @classmethod
    def unknown(cls, detail: str = "") -> TransferResult:
        return cls(Outcome.unknown, reason=detail or None)

    @classmethod
    def not_found(cls) -> TransferResult:
        return cls(Outcome.not_found)

    @property
    def final(self) -> bool:
        return self.outcome in (Outcome.done, Outcome.refused)


class HolderOutcome(StrEnum):
    known = "known"  # the bank named the account's holder (holder set)
    no_account = "no_account"  # the bank has no such account
    unknown = "unknown"  # no answer: ask again later, send nothing meanwhile


@dataclass(frozen=True)
class HolderAnswer:
    """The bank's answer to an account-name inquiry."""

    outcome: HolderOutcome
    holder: str | None = None
    detail: str | None = None

    @classmethod
    def known(cls, holder: str) -> HolderAnswer:
        return cls(HolderOutcome.known, holder=holder)

    @classmethod
    def no_account(cls) -> HolderAnswer:
        return cls(HolderOutcome.no_account)

    @classmethod
    def unknown(cls, detail: str = "") -> HolderAnswer:
        return cls(HolderOutcome.unknown, detail=detail or None)


class BankTimeout(Exception):
    """The bank did not answer in time: the transfer may or may not have been carried out."""


class BankGateway(Protocol):
    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        """Sends a transfer under the idempotency `reference`; may raise BankTimeout."""
        ...

    def inquire(self, reference: str) -> TransferResult:
        """What the bank knows about `reference`: done, refused, not_found, or unknown."""
        ...

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        """Whose account it is, as the bank has it (the payout's `reference` only names the
        question); may raise BankTimeout."""
        ...


class HttpBankGateway:
    """A bank over HTTP (JSON):

    - `POST {base_url}/transfers` with `{reference, bank_code, account_number, holder, amount}`
      and the header `Idempotency-Key: <reference>`;
    - `GET {base_url}/transfers/{reference}`: 404 when the bank has no such transfer.
    - `POST {base_url}/account-inquiries` with `{reference, bank_code, account_number}` (a POST,
      so the account number stays out of URLs and access logs): `{holder}`, 404 when the bank
      has no such account.

    Transfers answer `{status: "done", bank_reference}` or `{status: "refused", reason}`. A
    timeout raises BankTimeout; a connection error or a 5xx answer is "unknown".
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout_seconds)

    def transfer(
        self, reference: str, bank_code: str, account_number: str, holder: str, amount: int
    ) -> TransferResult:
        body = {
            "reference": reference,
            "bank_code": bank_code,
            "account_number": account_number,
            "holder": holder,
            "amount": amount,
        }
        return self._call(
            "POST", f"{self.base_url}/transfers", json=body, headers={"Idempotency-Key": reference}
        )

    def inquire(self, reference: str) -> TransferResult:
        return self._call("GET", f"{self.base_url}/transfers/{reference}")

    def account_holder(self, reference: str, bank_code: str, account_number: str) -> HolderAnswer:
        body = {"reference": reference, "bank_code": bank_code, "account_number": account_number}
        response = self._request("POST", f"{self.base_url}/account-inquiries", json=body)
        if isinstance(response, str):
            return HolderAnswer.unknown(response)
        if response.status_code == 404:
            return HolderAnswer.no_account()
        if response.status_code >= 500:
            return HolderAnswer.unknown(f"bank answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return HolderAnswer.unknown("bank answered no JSON")
        holder = answer.get("holder") if isinstance(answer, dict) else None
        if response.status_code == 200 and isinstance(holder, str):
            return HolderAnswer.known(holder)
        return HolderAnswer.unknown(f"unexpected answer {response.status_code}")

    def _request(self, method: str, url: str, **options: Any) -> httpx.Response | str:
        """The bank's response, or why there is none (a timeout raises BankTimeout)."""
        try:
            return self._client.request(method, url, **options)
        except httpx.TimeoutException as error:
            raise BankTimeout(str(error) or "timeout") from None
        except httpx.TransportError as error:
            return f"transport: {error}"

    def _call(self, method: str, url: str, **options: Any) -> TransferResult:
        response = self._request(method, url, **options)
        if isinstance(response, str):
            return TransferResult.unknown(response)
        if response.status_code == 404:
            return TransferResult.not_found()
        if response.status_code >= 500:
            return TransferResult.unknown(f"bank answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return TransferResult.unknown("bank answered no JSON")
        status = answer.get("status") if isinstance(answer, dict) else None
        if status == "done" and answer.get("bank_reference"):
            return TransferResult.done(str(answer["bank_reference"]))
        if status == "refused":
            return TransferResult.refused(str(answer.get("reason") or "refused"))
        return TransferResult.unknown(f"unexpected answer {response.status_code}")

    def close(self) -> None:
        self._client.close()
