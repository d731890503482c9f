"""The JHT account of one KPJ on a given day (domain.md, "The JHT account"): the registry's
statement balance, the development (hasil pengembangan) since the statement's day at the
declared yearly rates, less what this engine has paid out of it since. Integer rupiah.

Development accrues pro rata per day on what the account holds (the statement, less the
payouts confirmed since), at the rate of each calendar year, and is credited at each year's
end, when the next year's development starts to count on it: BPJS Ketenagakerjaan credits
the development yearly, and compounding within a year would pay development on development
the fund never booked. Each credit is rounded down once, so no sum of fractions pays a rupiah
more than the rate gives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from workflow.rules import DevelopmentRate, development_rate

_BP = 10_000


@dataclass(frozen=True)
class AccountPayout:
    """A payout of this engine from the account: its reference, gross, and the Jakarta day
    the bank confirmed it (None while it is still being paid: pending, sent or unknown)."""

    reference: str
    gross: int
    paid_on: date | None


@dataclass(frozen=True)
class Statement:
    """The registry's statement: the balance on `balance_date`."""

    balance: int
    balance_date: date


@dataclass(frozen=True)
class AccountLine:
    """One line of the account's history: the statement, a year's (or the running year's)
    development, or a payout (a negative amount)."""

    on: date
    kind: Literal["statement", "development", "payout"]
    amount: int
    reference: str | None = None


@dataclass(frozen=True)
class Account:
    """The account on `as_of`. `available` is what a claim may pay: the balance less the
    payouts still being paid (`held`), which are not yet confirmed but must not be paid
    twice."""

    statement_balance: int
    statement_date: date
    development: int
    paid_out: int
    held: int
    as_of: date
    rate: DevelopmentRate
    history: tuple[AccountLine, ...]

    @property
    def balance(self) -> int:
        """Statement plus development less the payouts confirmed since the statement."""
        return self.statement_balance + self.development - self.paid_out

    @property
    def available(self) -> int:
        return max(0, self.balance - self.held)


def account_on(statement: Statement, payouts: Iterable[AccountPayout], as_of: date) -> Account:
    """The account on `as_of` (on or after the statement's day; before it, the statement).

    Payouts confirmed on or before the statement's day are in the statement already; those
    confirmed after it and on or before `as_of` are paid out; those not yet confirmed are
    held. A payout confirmed after `as_of` is, on `as_of`, still being paid: held."""
    start = statement.balance_date
    as_of = max(as_of, start)
    paid = sorted(
        (p for p in payouts if p.paid_on is not None and start < p.paid_on <= as_of),
        key=lambda p: (p.paid_on, p.reference),
    )
    held = sum(p.gross for p in payouts if p.gross > 0 and (p.paid_on is None or p.paid_on > as_of))
    history = [AccountLine(start, "statement", statement.balance)]
    base = statement.balance  # what earns development: credited development included
    development = 0
    weighted = 0  # this year's development so far, in rupiah x basis points x days
    cursor = start
    pending = list(paid)
    while cursor < as_of:
        year_end = date(cursor.year, 12, 31)
        next_payout = pending[0].paid_on if pending else None
        stop = min(as_of, year_end + timedelta(days=1))
        if next_payout is not None and next_payout < stop:
            stop = next_payout
        weighted += max(0, base) * development_rate(cursor.year).rate_bp * (stop - cursor).days
        cursor = stop
        while pending and pending[0].paid_on == cursor:
            payout = pending.pop(0)
            base -= payout.gross
            history.append(AccountLine(cursor, "payout", -payout.gross, payout.reference))
        if cursor == year_end + timedelta(days=1) or cursor == as_of:
            credited = weighted // (_BP * _days_in_year(year_end.year))
            weighted = 0
            if credited:
                development += credited
                base += credited
                history.append(AccountLine(min(cursor, year_end), "development", credited))
            if cursor == as_of:
                break
    return Account(
        statement_balance=statement.balance,
        statement_date=start,
        development=development,
        paid_out=sum(p.gross for p in paid),
        held=held,
        as_of=as_of,
        rate=development_rate(as_of.year),
        history=tuple(sorted(history, key=lambda line: line.on)),
    )


def _days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days
