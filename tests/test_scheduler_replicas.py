"""Once per (job, scheduled time): two replicas firing together, restarts around 08:30 with catch-up
within the grace time, and the real APScheduler wiring with a 1-second interval job on two replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from commands.ports.clock import FrozenClock, SystemClock
from commands.ports.schedule import JobDefinition, RunStatus, TriggerType
from jobs.scheduler import Scheduler
from tests.fixtures.scheduler import RecordingHandler, SchedulerStore, cron_job, kst

AT_0830 = kst(2026, 9, 23, 8, 30)


async def test_two_replicas_firing_the_same_run_execute_it_once(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler(delay=0.05)
    replicas = [make_scheduler(name, separate_engine=True) for name in ("replica-a", "replica-b")]
    for replica in replicas:
        replica.register_kind("digest", handler)
    definition = await scheduler_store.jobs.upsert(cron_job())

    outcomes = await asyncio.gather(*(replica.fire(definition, AT_0830) for replica in replicas))

    assert sorted(outcomes, key=str) == sorted([RunStatus.SUCCESS, None], key=str)
    assert handler.calls == [("morning-digest", AT_0830)]
    [run] = await scheduler_store.runs.last_runs("morning-digest")
    winner = replicas[outcomes.index(RunStatus.SUCCESS)]
    assert run.status is RunStatus.SUCCESS and run.replica_id == winner.replica_id


async def _restart(
    make_scheduler: Callable[..., Scheduler], handler: RecordingHandler, at: datetime, **kwargs: object
) -> Scheduler:
    """A fresh process started at `at`: register, start (catch-up included), let the catch-up finish."""
    scheduler = make_scheduler(clock=FrozenClock(at), **kwargs)
    scheduler.register_kind("digest", handler)
    await scheduler.start()
    await scheduler.wait_idle()
    return scheduler


async def _runs_at(store: SchedulerStore, at: datetime) -> list[RunStatus]:
    return [status for when, status, _ in await store.statuses("morning-digest") if when == at]


async def test_restart_at_0831_still_sends_the_0830_digest_once(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler()
    await scheduler_store.jobs.upsert(cron_job())

    first = await _restart(make_scheduler, handler, kst(2026, 9, 23, 8, 31))
    await first.stop()
    await _restart(make_scheduler, handler, kst(2026, 9, 23, 8, 32))

    assert await _runs_at(scheduler_store, AT_0830) == [RunStatus.SUCCESS]
    assert handler.calls == [("morning-digest", AT_0830)]


async def test_restart_at_0829_runs_at_0830_normally_and_not_again_after(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler()
    definition = await scheduler_store.jobs.upsert(cron_job())

    before = await _restart(make_scheduler, handler, kst(2026, 9, 23, 8, 29))
    assert handler.calls == []  # the last fire time (yesterday 08:30) is far outside the grace time
    assert await before.fire(definition, AT_0830) is RunStatus.SUCCESS  # APScheduler's 08:30 fire
    await before.stop()
    await _restart(make_scheduler, handler, kst(2026, 9, 23, 8, 31))

    assert await _runs_at(scheduler_store, AT_0830) == [RunStatus.SUCCESS]
    assert handler.calls == [("morning-digest", AT_0830)]


async def test_a_restart_after_the_grace_time_does_not_send_a_stale_digest(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler()
    await scheduler_store.jobs.upsert(cron_job())
    await _restart(make_scheduler, handler, kst(2026, 9, 23, 8, 33), misfire_grace_seconds=120)
    assert handler.calls == [] and await _runs_at(scheduler_store, AT_0830) == []


async def test_replicas_restarting_together_catch_up_once(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler(delay=0.02)
    await scheduler_store.jobs.upsert(cron_job())
    at = kst(2026, 9, 23, 8, 31)
    replicas = [make_scheduler(n, separate_engine=True, clock=FrozenClock(at)) for n in ("a", "b", "c")]
    for replica in replicas:
        replica.register_kind("digest", handler)
    await asyncio.gather(*(replica.start() for replica in replicas))
    await asyncio.gather(*(replica.wait_idle() for replica in replicas))

    assert handler.calls == [("morning-digest", AT_0830)]
    assert await _runs_at(scheduler_store, AT_0830) == [RunStatus.SUCCESS]


async def test_apscheduler_fires_an_interval_job_once_per_tick_across_two_live_replicas(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler()
    await scheduler_store.jobs.upsert(
        JobDefinition("sweep", "outbox_sweep", TriggerType.INTERVAL, {"seconds": 1})
    )
    replicas = [
        make_scheduler(name, separate_engine=True, clock=SystemClock(), misfire_grace_seconds=30)
        for name in ("replica-a", "replica-b")
    ]
    for replica in replicas:
        replica.register_kind("outbox_sweep", handler)
    started = datetime.now(UTC)
    for replica in replicas:
        await replica.start()

    await handler.wait_for_call_after(started)  # a tick after start: APScheduler fired it, not catch-up
    for replica in replicas:
        await replica.stop()  # waits for fires in progress

    ticks = [when for _, when in handler.calls]
    assert ticks and len(set(ticks)) == len(ticks)  # no tick ran twice
    assert all(t.microsecond == 0 for t in ticks)  # ticks sit on the interval's fixed anchor
    runs = await scheduler_store.runs.last_runs("sweep", 100)
    assert sorted(r.scheduled_for for r in runs) == sorted(ticks)
    assert {r.status for r in runs} == {RunStatus.SUCCESS}
