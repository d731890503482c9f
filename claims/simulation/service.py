"""What the API and the page of the simulation share: the projection of one request, from
today in Jakarta and, for a signed-in participant, their real available balance."""

from __future__ import annotations

from datetime import date

from fastapi import Request

from claims.clock import wib_date
from claims.http.auth import get_runtime
from workflow.simulation import Projection, SimulationRequest, simulate


def signed_in_start_balance(request: Request) -> tuple[int, date] | None:
    """HOOK for the participant session (issue 17, sign-in): the signed-in participant's
    available balance and its date, or None when nobody is signed in.

    Until the session exists this returns None and every simulation starts from the balance
    typed in (or none). To wire it: read the participant session of `request` (bearer token or
    cookie) and return `(account.available, account.as_of)` of their account."""
    del request  # read by the participant session once it exists
    return None


def project(
    request: Request,
    *,
    monthly_wage: int,
    birth_date: date | None,
    age: int | None,
    start_balance: int | None,
    wage_growth_bp: int,
    rates_bp: tuple[int, ...] | None,
) -> Projection:
    """The projection from today (Jakarta). A starting balance typed in is a what-if and wins;
    without one a signed-in participant starts from their real available balance.
    SimulationRefused on inputs out of range."""
    today = wib_date(get_runtime(request).clock.now())
    balance_on: date | None = None
    if start_balance is None and (own := signed_in_start_balance(request)) is not None:
        start_balance, balance_on = own
    return simulate(
        SimulationRequest(
            monthly_wage=monthly_wage,
            today=today,
            birth_date=birth_date,
            age=age,
            start_balance=start_balance,
            start_balance_on=balance_on,
            wage_growth_bp=wage_growth_bp,
            rates_bp=rates_bp,
        )
    )
