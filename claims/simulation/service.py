"""What the API and the page of the simulation share: the projection of one request, from
today in Jakarta and, for a signed-in participant, their real available balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi import Request

from claims.casework.facts import kpj_account
from claims.clock import wib_date
from claims.http.auth import bearer_token, get_runtime
from claims.http.csrf import participant_cookie_token
from claims.participants.access import signed_in
from claims.repositories.participant_access import participant_row
from workflow.simulation import Projection, SimulationRequest, simulate


def signed_in_start_balance(request: Request) -> tuple[int, date] | None:
    """The signed-in participant's available balance today and its date (the account the
    balance page shows), or None when nobody (or an heir) is signed in. A calculation
    changes nothing, so the session cookie counts here without a CSRF token."""
    runtime = get_runtime(request)
    found = signed_in(runtime, bearer_token(request) or participant_cookie_token(request))
    if found is None or found.is_heir:
        return None
    today = wib_date(runtime.clock.now())
    with runtime.db.read_only() as session:
        participant = participant_row(session, found.kpj)
        if participant is None:
            return None
        return kpj_account(session, participant, today).available, today


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
