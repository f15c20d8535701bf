"""Job definitions and run records on SQLite and PostgreSQL: upsert/list/delete, the once-only
try_start, finishing, history order and crash recovery; definitions validate their shape."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from commands.ports.schedule import JobDefinition, RunStatus, TriggerType, run_key
from store.db import Database
from store.jobs import SqlRunRepository
from tests.fixtures.scheduler import SchedulerStore, cron_job, kst


async def test_definitions_upsert_list_get_delete(scheduler_store: SchedulerStore) -> None:
    jobs, clock = scheduler_store.jobs, scheduler_store.clock
    first = await jobs.upsert(cron_job("b-digest", business_days_only=True))
    await jobs.upsert(
        JobDefinition("a-sweep", "outbox_sweep", TriggerType.INTERVAL, {"seconds": 10}, enabled=False)
    )
    clock.advance(minutes=5)
    changed = await jobs.upsert(cron_job("b-digest", spec={"hour": "9", "minute": "0"}, payload={"n": 1}))

    assert changed.id == first.id and changed.created_at == first.created_at
    assert first.updated_at is not None and changed.updated_at == first.updated_at + timedelta(minutes=5)
    assert changed.spec == {"hour": "9", "minute": "0"} and changed.payload == {"n": 1}
    assert not changed.business_days_only and changed.timezone == "Asia/Seoul"
    assert [d.name for d in await jobs.list()] == ["a-sweep", "b-digest"]
    assert [d.name for d in await jobs.list(enabled=True)] == ["b-digest"]
    assert [d.name for d in await jobs.list(enabled=False)] == ["a-sweep"]
    assert await jobs.get("b-digest") == changed
    assert await jobs.get("nope") is None
    assert await jobs.delete("a-sweep") is True
    assert await jobs.delete("a-sweep") is False
    assert [d.name for d in await jobs.list()] == ["b-digest"]


async def test_ensure_seeds_a_default_but_keeps_an_operators_changes(scheduler_store: SchedulerStore) -> None:
    jobs = scheduler_store.jobs
    seeded = await jobs.ensure(cron_job())
    assert seeded.id is not None and seeded.spec == {"hour": "8", "minute": "30"}
    await jobs.upsert(cron_job(spec={"hour": "9", "minute": "0"}, enabled=False))  # the operator's edit

    again = await jobs.ensure(cron_job())  # the next start-up seeds the default again

    assert again.id == seeded.id and again.spec == {"hour": "9", "minute": "0"} and not again.enabled
    assert len(await jobs.list()) == 1


async def test_a_run_starts_once_per_job_and_scheduled_time(scheduler_store: SchedulerStore) -> None:
    runs = scheduler_store.runs
    at = kst(2026, 9, 23, 8, 30)
    assert await runs.try_start("digest", at, "replica-a") is True
    assert await runs.try_start("digest", at.astimezone(kst(2026, 1, 1).tzinfo), "replica-b") is False
    assert await runs.try_start("digest", at + timedelta(days=1), "replica-b") is True
    assert await runs.try_start("other", at, "replica-b") is True

    run = await runs.get(run_key("digest", at))
    assert run is not None
    assert run.run_key == "digest@2026-09-22T23:30:00+00:00"
    assert run.status is RunStatus.WORKING and run.replica_id == "replica-a"
    assert run.scheduled_for == at and run.finished_at is None


async def test_concurrent_starts_from_separate_engines_let_exactly_one_win(
    scheduler_store: SchedulerStore,
) -> None:
    engines = [Database.from_url(scheduler_store.db.sync_url) for _ in range(4)]
    try:
        at = kst(2026, 9, 23, 8, 30)
        won = await asyncio.gather(
            *(SqlRunRepository(db).try_start("digest", at, f"r{i}") for i, db in enumerate(engines))
        )
    finally:
        for db in engines:
            await db.dispose()
    assert sorted(won) == [False, False, False, True]
    assert len(await scheduler_store.runs.last_runs("digest")) == 1


async def test_finish_and_history_newest_first(scheduler_store: SchedulerStore) -> None:
    runs, clock = scheduler_store.runs, scheduler_store.clock
    times = [kst(2026, 9, 21, 8, 30) + timedelta(days=i) for i in range(3)]
    for at in times:
        await runs.try_start("digest", at, "replica-a")
    clock.advance(seconds=3)
    await runs.finish(run_key("digest", times[0]), RunStatus.SUCCESS)
    await runs.finish(run_key("digest", times[1]), RunStatus.ERROR, "boom " * 2000)

    history = await runs.last_runs("digest", 2)
    assert [r.scheduled_for for r in history] == [times[2], times[1]]
    assert history[0].status is RunStatus.WORKING
    assert history[1].status is RunStatus.ERROR and len(history[1].error) == 4000
    done = await runs.get(run_key("digest", times[0]))
    assert done is not None and done.status is RunStatus.SUCCESS
    assert done.finished_at == done.started_at + timedelta(seconds=3)


async def test_stuck_working_runs_are_marked_as_errors(scheduler_store: SchedulerStore) -> None:
    runs, clock = scheduler_store.runs, scheduler_store.clock
    old, recent, finished = (kst(2026, 9, 23, h) for h in (1, 2, 3))
    await runs.try_start("digest", old, "dead-replica")
    await runs.try_start("digest", finished, "dead-replica")
    await runs.finish(run_key("digest", finished), RunStatus.SUCCESS)
    clock.advance(hours=2)
    await runs.try_start("digest", recent, "live-replica")

    assert await runs.fail_stuck(clock.now() - timedelta(hours=1), "abandoned") == 1
    statuses = {r.scheduled_for: (r.status, r.error) for r in await runs.last_runs("digest")}
    assert statuses == {
        old: (RunStatus.ERROR, "abandoned"),
        recent: (RunStatus.WORKING, ""),
        finished: (RunStatus.SUCCESS, ""),
    }


@pytest.mark.parametrize(
    ("trigger", "spec", "extra"),
    [
        ("cron", {}, {}),
        ("cron", {"hours": "8"}, {}),
        ("interval", {"seconds": 0}, {}),
        ("interval", {"minutes": 5}, {}),
        ("date", {"run_at": 5}, {}),
        ("weekly", {"hour": "8"}, {}),
        ("cron", {"hour": "8"}, {"timezone": "Mars/Base"}),
        ("cron", {"hour": "8"}, {"name": "a@b"}),
        ("cron", {"hour": "8"}, {"kind": ""}),
    ],
)
def test_definitions_refuse_a_bad_shape(trigger: str, spec: dict[str, object], extra: dict[str, str]) -> None:
    values = {"name": "x", "kind": "digest", "trigger": trigger, "spec": spec} | extra
    with pytest.raises(ValueError):
        JobDefinition(**values)  # type: ignore[arg-type]


def test_run_keys_are_utc_and_need_an_aware_time() -> None:
    assert run_key("d", kst(2026, 9, 25, 8, 30)) == "d@2026-09-24T23:30:00+00:00"
    with pytest.raises(ValueError):
        run_key("d", kst(2026, 9, 25, 8, 30).replace(tzinfo=None))
