"""Scheduled jobs of this module (registered with claims.jobs.registry.register_job)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from claims.jobs.registry import register_job
from claims.notifications.dispatcher import dispatch_notifications
from claims.notifications.sms import dispatch_sms

if TYPE_CHECKING:
    from claims.runtime import Runtime

NOTIFICATION_DISPATCH_EVERY_SECONDS = 5
SMS_DISPATCH_EVERY_SECONDS = 5


@register_job("notification_dispatcher", NOTIFICATION_DISPATCH_EVERY_SECONDS)
def notification_dispatcher(runtime: Runtime, now: datetime) -> int:
    """Delivers queued applicant messages to the configured sender (JHT_MAIL)."""
    return dispatch_notifications(runtime, now)


@register_job("sms_dispatcher", SMS_DISPATCH_EVERY_SECONDS)
def sms_dispatcher(runtime: Runtime, now: datetime) -> int:
    """Delivers queued SMS (replies, codes, claim notifications) to JHT_SMS."""
    return dispatch_sms(runtime, now)
