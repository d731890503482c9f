"""The scheduler runtime: every process that may schedule runs a `SchedulerRunner`; the one
holding the lease runs APScheduler with the registered jobs (persisted in `apscheduler_jobs`,
so a restart or a takeover keeps each job's next run time); the others wait on standby and take
over when the leader's lease expires."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, timedelta
from typing import Literal

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from claims.jobs.lease import LEASE_TTL, Lease
from claims.jobs.registry import REGISTRY, JobRegistry, load_job_modules, run_one
from claims.runtime import Runtime

log = logging.getLogger(__name__)

RENEW_EVERY = timedelta(seconds=5)
JOB_ID_PREFIX = "jht:"
APSCHEDULER_TABLE = "apscheduler_jobs"  # created by migration 0002

SchedulerStatus = Literal["active", "standby", "off"]

# The runner that holds the lease in this process. APScheduler persists a job as a textual
# reference to a module-level function plus picklable arguments, so the stored job names only
# the job; `run_scheduled_job` finds the runner (and through it the runtime) here.
_active_runner: SchedulerRunner | None = None
_active_lock = threading.Lock()


def run_scheduled_job(name: str) -> None:
    """What APScheduler calls (by reference, from the persisted job)."""
    with _active_lock:
        runner = _active_runner
    if runner is None:
        log.warning("scheduled job %s fired with no active scheduler here; skipped", name)
        return
    runner.run_job(name)


class SchedulerRunner:
    """Keeps trying for the lease; runs the jobs while it holds it, and stops them the moment
    it does not."""

    def __init__(
        self,
        runtime: Runtime,
        registry: JobRegistry | None = None,
        *,
        lease_ttl: timedelta = LEASE_TTL,
        renew_every: timedelta = RENEW_EVERY,
        holder: str | None = None,
    ) -> None:
        if renew_every * 2 >= lease_ttl:
            raise ValueError("renew the lease well within its TTL (renew_every < ttl / 2)")
        self.runtime = runtime
        self.registry = registry or REGISTRY
        self.lease = Lease(runtime.db, holder=holder, ttl=lease_ttl)
        self.renew_every = renew_every
        self._scheduler: BackgroundScheduler | None = None
        self._state_lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def holder(self) -> str:
        return self.lease.holder

    @property
    def leading(self) -> bool:
        """Holds the lease and has its jobs scheduled (whether or not the thread runs)."""
        return self._scheduler is not None

    @property
    def status(self) -> SchedulerStatus:
        """For /healthz: 'active' (holds the lease, runs jobs), 'standby', or 'off'."""
        if self._thread is None or not self._thread.is_alive() or self._stopping.is_set():
            return "off"
        return "active" if self._scheduler is not None else "standby"

    def start(self) -> None:
        if self._thread is not None:
            return
        load_job_modules()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="jht-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Stops running jobs and gives the lease up, so a standby takes over at once."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                self.tick()
                self._stopping.wait(self.renew_every.total_seconds())
        finally:
            was_active = self._demote()
            if was_active:
                try:
                    self.lease.release()
                except Exception:
                    log.exception("could not release the scheduler lease; it will expire")

    def tick(self) -> None:
        """Renews or takes the lease, and starts or stops the jobs to match."""
        try:
            held = self.lease.acquire()
        except Exception:
            # Without the database we cannot prove we still lead: stop, as a lost lease would.
            log.exception("scheduler lease check failed")
            held = False
        if held and self._scheduler is None and not self._stopping.is_set():
            self._promote()
        elif not held and self._scheduler is not None:
            log.warning("scheduler lease lost to %s; stopping jobs", self.lease.current_holder())
            self._demote()

    def run_job(self, name: str) -> None:
        """One scheduled invocation. It first renews the lease: a leader that was paused (GC,
        SIGSTOP, a stalled VM) past its TTL finds another holder and runs nothing."""
        if self._stopping.is_set():
            return
        try:
            still_leader = self.lease.acquire()
        except Exception:
            log.exception("scheduler lease check failed before job %s", name)
            still_leader = False
        if not still_leader:
            log.warning("not the scheduler any more; job %s not run", name)
            self._demote()
            return
        job = self.registry.get(name)
        if job is None:
            log.warning("scheduled job %s is not registered; skipped", name)
            return
        self.runtime.refresh_clock()
        run_one(self.runtime, job, self.runtime.clock.now())

    def _promote(self) -> None:
        global _active_runner
        with self._state_lock:
            if self._scheduler is not None:
                return
            scheduler = BackgroundScheduler(
                jobstores={
                    "default": SQLAlchemyJobStore(
                        engine=self.runtime.db.engine, tablename=APSCHEDULER_TABLE
                    )
                },
                executors={"default": ThreadPoolExecutor(max_workers=4)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
                timezone=UTC,
            )
            try:
                scheduler.start(paused=True)
                self._sync_jobs(scheduler)
            except Exception:
                log.exception("could not start the scheduler; staying on standby")
                scheduler.shutdown(wait=False)
                return
            with _active_lock:
                _active_runner = self
            self._scheduler = scheduler
            scheduler.resume()
            log.info("scheduler active as %s", self.holder)

    def _demote(self) -> bool:
        global _active_runner
        with self._state_lock:
            scheduler, self._scheduler = self._scheduler, None
            with _active_lock:
                if _active_runner is self:
                    _active_runner = None
        if scheduler is None:
            return False
        try:
            # wait=False: a job still running finishes its current item's transaction, and
            # nothing new starts.
            scheduler.shutdown(wait=False)
        except Exception:
            log.exception("scheduler shutdown failed")
        log.info("scheduler %s on standby", self.holder)
        return True

    def _sync_jobs(self, scheduler: BackgroundScheduler) -> None:
        """Makes the persisted jobs match the registry. A job whose interval is unchanged keeps
        its stored next run time, so a restart or takeover neither skips nor postpones it (a
        run missed while nobody led is run once, late: coalesce, no misfire grace limit)."""
        wanted = {f"{JOB_ID_PREFIX}{job.name}": job for job in self.registry.jobs()}
        for stored in scheduler.get_jobs():
            if stored.id not in wanted:
                scheduler.remove_job(stored.id)
        for job_id, job in wanted.items():
            trigger = IntervalTrigger(seconds=job.every_seconds, timezone=UTC)
            stored = scheduler.get_job(job_id)
            if (
                stored is not None
                and isinstance(stored.trigger, IntervalTrigger)
                and stored.trigger.interval == trigger.interval
            ):
                continue
            scheduler.add_job(
                run_scheduled_job,
                trigger,
                args=[job.name],
                id=job_id,
                name=job.name,
                replace_existing=True,
            )


def run_scheduler_forever(
    runtime: Runtime,
    stop_event: threading.Event,
    *,
    registry: JobRegistry | None = None,
    lease_ttl: timedelta = LEASE_TTL,
    renew_every: timedelta = RENEW_EVERY,
) -> None:
    """`jht scheduler`: lead or stand by until `stop_event` is set, then let go of the lease."""
    runner = SchedulerRunner(runtime, registry, lease_ttl=lease_ttl, renew_every=renew_every)
    runner.start()
    try:
        # Short waits keep the main thread responsive to signal handlers that set the event.
        while not stop_event.wait(1):
            pass
    finally:
        runner.stop()
