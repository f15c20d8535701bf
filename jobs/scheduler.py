"""The scheduler: job definitions from the database, fired by APScheduler in the bot's event loop, each
run recorded once per (job, scheduled time) however many replicas or restarts there are.

A fire goes: leader? → INSERT the run row (ON CONFLICT DO NOTHING; whoever inserted it runs it) →
business day? (else recorded as skipped) → handler → success / error with its text. Nothing a handler
does can stop the scheduler. `Clock` dates the records and the catch-up; APScheduler's wake-ups use
real time.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger

from commands.businessdays import KoreanCalendar
from commands.errors import ConfigurationError
from commands.ports.clock import Clock, SystemClock
from commands.ports.schedule import JobDefinition, JobRepository, RunRepository, RunStatus, run_key
from jobs.executor import RunTimesExecutor
from jobs.leader import Leader
from jobs.outcome import Handler, run_handler
from jobs.triggers import build_trigger, fire_times_between

ABANDONED = "abandoned: the process running it stopped"


def default_replica_id() -> str:
    """hostname:pid: tells replicas apart in the run records."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def _dispatched_by_executor() -> None:  # pragma: no cover - RunTimesExecutor never calls it
    """The APScheduler job function; RunTimesExecutor calls Scheduler._on_due instead."""


class Scheduler:
    """APScheduler's AsyncIOScheduler driven by the job definitions in the database."""

    def __init__(
        self,
        jobs: JobRepository,
        runs: RunRepository,
        clock: Clock | None = None,
        *,
        timezone: str = "Asia/Seoul",
        misfire_grace_seconds: int = 300,
        coalesce: bool = True,
        replica_id: str | None = None,
        leader: Leader | None = None,
        calendar: KoreanCalendar | None = None,
        leader_check_seconds: float = 5.0,
        resync_seconds: float = 60.0,
        stuck_after_seconds: float = 3600.0,
        shutdown_grace_seconds: float = 10.0,
    ) -> None:
        self._jobs = jobs
        self._runs = runs
        self._clock = clock or SystemClock()
        self._tz = ZoneInfo(timezone)
        self._grace = misfire_grace_seconds
        self._coalesce = coalesce
        self.replica_id = replica_id or default_replica_id()
        self._leader = leader
        self._calendar = calendar or KoreanCalendar(timezone)
        self._leader_check = leader_check_seconds
        self._resync = resync_seconds
        self._stuck_after = timedelta(seconds=stuck_after_seconds)
        self._shutdown_grace = shutdown_grace_seconds
        self._handlers: dict[str, Handler] = {}
        self._definitions: dict[str, JobDefinition] = {}
        self._fingerprints: dict[str, str] = {}
        self._inflight: set[asyncio.Task[None]] = set()
        self._aps: AsyncIOScheduler | None = None
        self._maintenance: asyncio.Task[None] | None = None
        self._leading = leader is None

    @property
    def is_leader(self) -> bool:
        return self._leading

    def next_runs(self) -> dict[str, datetime | None]:
        """The jobs APScheduler holds, by name, with their next fire time."""
        if self._aps is None:
            return {}
        return {job.id: job.next_run_time for job in self._aps.get_jobs()}

    def register_kind(self, kind: str, handler: Handler) -> None:
        """The handler for every job of `kind`; registering a kind twice is an error."""
        if kind in self._handlers:
            raise ConfigurationError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    async def start(self) -> None:
        """Load the enabled definitions (an unknown kind or a bad spec fails here), start firing, run
        what was missed within the grace time, and keep leadership and definitions fresh."""
        if self._aps is not None:
            raise RuntimeError("scheduler already started")
        definitions = await self._jobs.list(enabled=True)
        missing = sorted({d.kind for d in definitions} - self._handlers.keys())
        if missing:
            raise ConfigurationError(f"no handler registered for job kind(s): {', '.join(missing)}")
        for definition in definitions:
            build_trigger(definition)
        await self._recover_stuck()
        if self._leader is not None:
            self._leading = await self._leader.check()
        self._aps = AsyncIOScheduler(
            timezone=self._tz,
            executors={"default": RunTimesExecutor(self._on_due, self._spawn)},
            job_defaults={
                # A fire delayed by a busy loop, a leader hand-over or a short restart still runs if it is
                # at most this late; later than that the moment has passed (a 08:30 digest at 14:00 is
                # noise), so it is logged as missed instead.
                "misfire_grace_time": self._grace,
                # Several missed fire times of one job (after a pause or downtime) collapse into one run:
                # one digest, not five in a row. Each would otherwise be a distinct run key.
                "coalesce": self._coalesce,
                # A slow run never overlaps the next run of the same job in this process.
                "max_instances": 1,
            },
        )
        self._aps.start(paused=not self._leading)
        self._sync(definitions)
        if self._leading:
            self.catch_up()
        self._maintenance = asyncio.get_running_loop().create_task(self._maintain())
        logger.info("scheduler started: {} job(s), leader={}", len(self._definitions), self._leading)

    async def reload(self) -> None:
        """Re-read the definitions: add new ones, re-schedule changed triggers, drop removed/disabled."""
        self._sync(await self._jobs.list(enabled=True))

    def catch_up(self) -> None:
        """Run, once, the fire times of the last `misfire_grace_seconds` that have no run yet (the
        latest only when coalescing): a restart at 08:31 still sends the 08:30 digest, once."""
        now = self._clock.now()
        for definition in list(self._definitions.values()):
            missed = fire_times_between(definition, now - timedelta(seconds=self._grace), now)
            for scheduled_for in missed[-1:] if self._coalesce else missed:
                self._spawn(self._fire_quietly(definition, scheduled_for))

    async def wait_idle(self) -> None:
        """Wait until no fire is in progress."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def stop(self) -> None:
        """Stop firing, give running jobs `shutdown_grace_seconds` to finish (then cancel them, recording
        an error), and give up the leadership."""
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
            self._maintenance = None
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the next loop iteration
        self._aps = None
        self._definitions, self._fingerprints = {}, {}
        if self._inflight:
            _, pending = await asyncio.wait(list(self._inflight), timeout=self._shutdown_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._leader is not None:
            await self._leader.release()
            self._leading = False
        logger.info("scheduler stopped")

    async def fire(self, definition: JobDefinition, scheduled_for: datetime) -> RunStatus | None:
        """Run `definition` for `scheduled_for` unless some replica already has that run; returns how it
        ended, or None when it was not ours to run. The handler's errors are recorded, not raised; the
        database's propagate."""
        if not self._leading:
            return None
        key = run_key(definition.name, scheduled_for)
        if not await self._runs.try_start(definition.name, scheduled_for, self.replica_id):
            logger.debug("run {} already taken", key)
            return None
        try:
            local = scheduled_for.astimezone(ZoneInfo(definition.timezone))
            handler = self._handlers.get(definition.kind)
            status, text = await run_handler(handler, definition, local, self._calendar)
        except asyncio.CancelledError:
            await asyncio.shield(self._runs.finish(key, RunStatus.ERROR, "cancelled: the scheduler stopped"))
            raise
        await self._runs.finish(key, status, text)
        return status

    async def _fire_quietly(self, definition: JobDefinition, scheduled_for: datetime) -> None:
        try:
            await self.fire(definition, scheduled_for)
        except Exception:  # the database failed us: the run is lost or left `working` for recovery
            logger.exception("job {} could not be run for {}", definition.name, scheduled_for)

    async def _on_due(self, job_id: str, run_times: list[datetime]) -> None:
        definition = self._definitions.get(job_id)
        if definition is None:
            return
        for scheduled_for in run_times:
            late = datetime.now(UTC) - scheduled_for
            if late > timedelta(seconds=self._grace):
                logger.warning("job {} missed its {} run by {}", job_id, scheduled_for, late)
                continue
            await self._fire_quietly(definition, scheduled_for)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    def _sync(self, definitions: Iterable[JobDefinition]) -> None:
        aps = self._aps
        if aps is None:
            return
        wanted: dict[str, JobDefinition] = {}
        for definition in definitions:
            if definition.kind not in self._handlers:
                logger.error(
                    "job {}: no handler for kind {!r}; not scheduled", definition.name, definition.kind
                )
                continue
            try:
                trigger = build_trigger(definition)
            except ConfigurationError as exc:
                logger.error("{}; not scheduled", exc)
                continue
            wanted[definition.name] = definition
            fingerprint = _fingerprint(definition)
            if self._fingerprints.get(definition.name) == fingerprint:
                continue
            self._fingerprints[definition.name] = fingerprint
            now = datetime.now(UTC)
            upcoming = trigger.get_next_fire_time(None, now)
            if upcoming is None or upcoming < now:  # a date job that has passed (catch-up covers the grace)
                if aps.get_job(definition.name) is not None:
                    aps.remove_job(definition.name)
                continue
            aps.add_job(
                _dispatched_by_executor,
                trigger=trigger,
                id=definition.name,
                name=definition.name,
                replace_existing=True,
            )
        for name in self._definitions.keys() - wanted.keys():
            if aps.get_job(name) is not None:
                aps.remove_job(name)
            self._fingerprints.pop(name, None)
        self._definitions = wanted

    async def _maintain(self) -> None:
        next_resync = time.monotonic() + self._resync
        period = min(self._leader_check, self._resync) if self._leader is not None else self._resync
        while True:
            await asyncio.sleep(period)
            try:
                if self._leader is not None:
                    await self._follow_leadership()
                if time.monotonic() >= next_resync:
                    next_resync = time.monotonic() + self._resync
                    await self.reload()
                    await self._recover_stuck()
            except Exception:
                logger.exception("scheduler maintenance failed; retrying in {}s", period)

    async def _follow_leadership(self) -> None:
        assert self._leader is not None and self._aps is not None
        leading = await self._leader.check()
        if leading and not self._leading:
            self._leading = True
            await self.reload()
            self._aps.resume()
            self.catch_up()
        elif not leading and self._leading:
            self._leading = False
            self._aps.pause()

    async def _recover_stuck(self) -> None:
        count = await self._runs.fail_stuck(self._clock.now() - self._stuck_after, ABANDONED)
        if count:
            logger.warning("marked {} abandoned job run(s) as errors", count)


def _fingerprint(definition: JobDefinition) -> str:
    """What decides the APScheduler trigger; other fields take effect without re-scheduling."""
    return json.dumps([definition.trigger, definition.spec, definition.timezone], sort_keys=True)
