"""Scheduled jobs of this module (registered with claims.jobs.registry.register_job).

- document garbage collection: stored document files no `documents` row references (replaced or
  removed uploads), temp files of a put() cut short by a crash, and stale spool files of an
  upload cut short; anything younger than an hour is spared, as it may belong to an upload whose
  row is not committed yet.
- idempotency key purge: keys past their 24 hours.
- sign-in purge: codes blanked in sent messages, spent challenges and sessions deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from claims.jobs.registry import register_job
from claims.participants.signin import CODE_LIFETIME
from claims.repositories.documents import referenced_storage_keys
from claims.repositories.idempotency import purge_expired
from claims.repositories.participant_access import purge_sign_in
from claims.uploads.service import discard_stale_spool, document_services
from documents.storage import collect_garbage

if TYPE_CHECKING:
    from claims.runtime import Runtime

# An upload stores its file, then commits its row within seconds; an hour is a wide margin.
GARBAGE_GRACE = timedelta(hours=1)


@register_job("document_garbage_collection", 3600)
def collect_document_garbage(runtime: Runtime, now: datetime) -> int:
    """Removes unreferenced stored files, crash leftovers and stale spool files older than
    an hour at `now`; answers how many files went."""
    services = document_services(runtime)
    with runtime.db.read_only() as session:
        referenced = referenced_storage_keys(session)
    cutoff = now - GARBAGE_GRACE
    removed = collect_garbage(services.storage, referenced, cutoff)
    return removed + discard_stale_spool(services.spool_dir, cutoff)


@register_job("idempotency_key_purge", 3600)
def purge_idempotency_keys(runtime: Runtime, now: datetime) -> int:
    """Deletes idempotency keys past their 24 hours."""
    return purge_expired(runtime.db, now)


@register_job("sign_in_purge", 600)
def purge_sign_ins(runtime: Runtime, now: datetime) -> int:
    """Blanks the codes of sent sign-in messages (and drops unsent expired ones), and deletes
    challenges and sessions spent more than a day ago."""
    with runtime.db.unit_of_work() as session:
        return purge_sign_in(session, now, CODE_LIFETIME)
