"""The fire path with a frozen clock, on SQLite and PostgreSQL: runs are recorded with start, end and
status; errors are recorded and the scheduler keeps going; business-days-only jobs skip Chuseok and
weekends; handlers may skip; unknown kinds and bad specs fail at start; definitions reload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from commands.errors import ConfigurationError, UpstreamUnavailable
from commands.ports.schedule import JobDefinition, RunStatus, TriggerType, run_key
from jobs.outcome import NOT_A_BUSINESS_DAY
from jobs.scheduler import Scheduler
from tests.fixtures.scheduler import KST, RecordingHandler, SchedulerStore, cron_job, kst


async def test_a_run_is_recorded_with_start_end_and_status(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler(result="sent 3 cards")
    handler.delay = 0.01
    scheduler = make_scheduler()
    scheduler.register_kind("digest", handler)
    definition = await scheduler_store.jobs.upsert(cron_job())
    at = kst(2026, 9, 23, 8, 30)

    assert await scheduler.fire(definition, at.astimezone(UTC)) is RunStatus.SUCCESS

    assert handler.calls == [("morning-digest", at)]
    assert handler.calls[0][1].tzinfo == KST  # handlers get the time in the job's timezone
    run = await scheduler_store.runs.get(run_key("morning-digest", at))
    assert run is not None and run.status is RunStatus.SUCCESS and run.error == ""
    assert run.started_at == scheduler_store.clock.now() and run.finished_at is not None
    assert run.replica_id == "replica-a"


async def test_an_error_is_recorded_and_the_scheduler_keeps_going(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler(fail_with=UpstreamUnavailable("erp", "ERP answered 503"))
    scheduler = make_scheduler()
    scheduler.register_kind("digest", handler)
    definition = await scheduler_store.jobs.upsert(cron_job())
    monday, tuesday = kst(2026, 9, 21, 8, 30), kst(2026, 9, 22, 8, 30)

    assert await scheduler.fire(definition, monday) is RunStatus.ERROR
    handler.fail_with = None
    assert await scheduler.fire(definition, tuesday) is RunStatus.SUCCESS

    assert await scheduler_store.statuses("morning-digest") == [
        (tuesday, RunStatus.SUCCESS, ""),
        (monday, RunStatus.ERROR, "UpstreamUnavailable: ERP answered 503"),
    ]


@pytest.mark.parametrize(
    ("scheduled_for", "runs"),
    [
        (kst(2026, 9, 25, 8, 30), False),  # Chuseok
        (kst(2026, 9, 19, 8, 30), False),  # Saturday
        (kst(2026, 10, 5, 8, 30), False),  # substitute holiday
        (kst(2026, 9, 23, 8, 30), True),  # Wednesday
    ],
)
async def test_business_days_only_skips_holidays_and_weekends(
    scheduler_store: SchedulerStore,
    make_scheduler: Callable[..., Scheduler],
    scheduled_for: object,
    runs: bool,
) -> None:
    handler = RecordingHandler()
    scheduler = make_scheduler()
    scheduler.register_kind("digest", handler)
    definition = await scheduler_store.jobs.upsert(cron_job(business_days_only=True))

    status = await scheduler.fire(definition, scheduled_for)  # type: ignore[arg-type]

    expected = (RunStatus.SUCCESS, "") if runs else (RunStatus.SKIPPED, NOT_A_BUSINESS_DAY)
    assert (status, handler.calls != []) == (expected[0], runs)
    assert await scheduler_store.statuses("morning-digest") == [(scheduled_for, *expected)]


async def test_the_business_day_is_judged_in_the_jobs_timezone(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    scheduler = make_scheduler()
    scheduler.register_kind("digest", RecordingHandler())
    in_utc = await scheduler_store.jobs.upsert(cron_job("utc", business_days_only=True, timezone="UTC"))
    in_seoul = await scheduler_store.jobs.upsert(cron_job("seoul", business_days_only=True))
    moment = datetime(2026, 9, 18, 23, 30, tzinfo=UTC)  # Friday in UTC, Saturday 08:30 in Seoul
    assert await scheduler.fire(in_utc, moment) is RunStatus.SUCCESS
    assert await scheduler.fire(in_seoul, moment) is RunStatus.SKIPPED


async def test_a_handler_can_skip_with_a_reason(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    scheduler = make_scheduler()
    scheduler.register_kind("digest", RecordingHandler(result="skipped: nothing due today"))
    definition = await scheduler_store.jobs.upsert(cron_job())
    at = kst(2026, 9, 23, 8, 30)
    assert await scheduler.fire(definition, at) is RunStatus.SKIPPED
    assert await scheduler_store.statuses("morning-digest") == [(at, RunStatus.SKIPPED, "nothing due today")]


async def test_a_run_that_exists_is_not_run_again(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler()
    scheduler = make_scheduler()
    scheduler.register_kind("digest", handler)
    definition = await scheduler_store.jobs.upsert(cron_job())
    at = kst(2026, 9, 23, 8, 30)
    assert await scheduler.fire(definition, at) is RunStatus.SUCCESS
    assert await scheduler.fire(definition, at) is None
    assert len(handler.calls) == 1


async def test_a_stored_kind_without_handler_fails_at_start(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    await scheduler_store.jobs.upsert(cron_job())
    await scheduler_store.jobs.upsert(cron_job("old", kind="retired", enabled=False))
    await scheduler_store.jobs.upsert(cron_job("poll", kind="approval_poll"))
    scheduler = make_scheduler()
    scheduler.register_kind("digest", RecordingHandler())
    with pytest.raises(ConfigurationError, match="approval_poll") as info:
        await scheduler.start()
    assert "retired" not in str(info.value)  # disabled definitions need no handler
    with pytest.raises(ConfigurationError, match="twice"):
        scheduler.register_kind("digest", RecordingHandler())


async def test_a_bad_cron_value_fails_at_start(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    await scheduler_store.jobs.upsert(cron_job(spec={"hour": "25", "minute": "0"}))
    scheduler = make_scheduler()
    scheduler.register_kind("digest", RecordingHandler())
    with pytest.raises(ConfigurationError, match="morning-digest"):
        await scheduler.start()


async def test_definitions_are_reloaded(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    jobs = scheduler_store.jobs
    await jobs.upsert(cron_job("digest-a"))
    await jobs.upsert(cron_job("digest-b"))
    scheduler = make_scheduler(resync_seconds=3600)
    scheduler.register_kind("digest", RecordingHandler())
    scheduler.register_kind("outbox_sweep", RecordingHandler())
    await scheduler.start()
    first = scheduler.next_runs()
    assert set(first) == {"digest-a", "digest-b"}

    await jobs.upsert(cron_job("digest-a", spec={"hour": "9", "minute": "0"}))
    await jobs.upsert(cron_job("digest-b", enabled=False))
    await jobs.upsert(JobDefinition("sweep", "outbox_sweep", TriggerType.INTERVAL, {"seconds": 30}))
    await jobs.upsert(cron_job("mystery", kind="unknown_kind"))  # logged and left out, not fatal
    await jobs.upsert(JobDefinition("past", "digest", TriggerType.DATE, {"run_at": "2020-01-01T08:30:00"}))
    await scheduler.reload()

    now = scheduler.next_runs()
    assert set(now) == {"digest-a", "sweep"}
    a_next = now["digest-a"]
    assert (
        a_next is not None and a_next.astimezone(KST).timetz().replace(tzinfo=None).isoformat() == "09:00:00"
    )
    sweep_next = now["sweep"]
    assert sweep_next is not None and sweep_next.second % 30 == 0 and sweep_next.microsecond == 0


async def test_stuck_runs_are_recovered_at_start(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    runs, clock = scheduler_store.runs, scheduler_store.clock
    await runs.try_start("morning-digest", kst(2026, 9, 22, 8, 30), "crashed-replica")
    clock.advance(hours=2)
    scheduler = make_scheduler(stuck_after_seconds=3600)
    await scheduler.start()
    [(_, status, error)] = await scheduler_store.statuses("morning-digest")
    assert status is RunStatus.ERROR and "abandoned" in error


async def test_stop_cancels_a_hanging_run_and_records_it(
    scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    handler = RecordingHandler(delay=60)
    scheduler_store.clock.set(kst(2026, 9, 23, 8, 31))  # the 08:30 run is caught up at start
    scheduler = make_scheduler(shutdown_grace_seconds=0.05)
    scheduler.register_kind("digest", handler)
    await scheduler_store.jobs.upsert(cron_job())
    await scheduler.start()
    await asyncio.wait_for(handler.called.wait(), 10)

    await scheduler.stop()

    assert await scheduler_store.statuses("morning-digest") == [
        (kst(2026, 9, 23, 8, 30), RunStatus.ERROR, "cancelled: the scheduler stopped")
    ]
