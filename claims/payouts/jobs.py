"""Scheduled jobs of this module (registered with claims.jobs.registry.register_job)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from claims.jobs.registry import register_job
from claims.payouts.dispatcher import dispatch_payouts

if TYPE_CHECKING:
    from claims.runtime import Runtime

PAYOUT_DISPATCH_EVERY_SECONDS = 5


@register_job("payout_dispatcher", PAYOUT_DISPATCH_EVERY_SECONDS)
def payout_dispatcher(runtime: Runtime, now: datetime) -> int:
    """Sends approved payouts to the bank and records the answers (claims.payouts.dispatcher)."""
    return dispatch_payouts(runtime, now)
