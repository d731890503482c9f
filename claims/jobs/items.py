"""The items of a scheduled job, each handled in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.db import Database
from claims.errors import ServiceError
from workflow.errors import WorkflowError

log = logging.getLogger(__name__)

K = TypeVar("K")


def each_in_own_transaction(
    db: Database, job: str, keys: Iterable[K], handle: Callable[[Session, K], bool]
) -> int:
    """Runs `handle` for each key in its own unit of work; counts the items it changed.

    An item another process changed first (a concurrent change, a duplicate outbox key) or
    that is no longer due is skipped; a failure of one item is logged and never stops the
    others."""
    handled = 0
    for key in keys:
        try:
            with db.unit_of_work() as session:
                changed = handle(session, key)
        except (ServiceError, WorkflowError, IntegrityError) as error:
            log.info("job %s: item %s skipped: %s", job, key, error)
            continue
        handled += int(changed)
    return handled
