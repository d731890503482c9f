"""What the API and the page of the simulation share: the projection of one request, from
today in Jakarta and, for a signed-in participant, their real available balance."""

from __future__ import annotations

from dataclasses import replace
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


def today_in_jakarta(request: Request) -> date:
    """The day the projection starts: today in Jakarta, by the service's clock."""
    return wib_date(get_runtime(request).clock.now())


def project(request: Request, wanted: SimulationRequest) -> Projection:
    """The projection. A starting balance typed in is a what-if and wins; without one a
    signed-in participant starts from their real available balance. SimulationRefused on
    inputs out of range."""
    if wanted.start_balance is None and (own := signed_in_start_balance(request)) is not None:
        balance, balance_on = own
        wanted = replace(wanted, start_balance=balance, start_balance_on=balance_on)
    return simulate(wanted)
