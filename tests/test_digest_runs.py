"""Scheduled digests through the real scheduler, outbox and renderers: sent at 08:30 Asia/Seoul on a
business day and not on Chuseok, the substitute holiday or a weekend; exactly once across restarts
(08:29, 08:31), a process that was down at 08:30, and two replicas; failures recorded and retried;
skip-if-empty; off-target KPIs first; delivered once to the (fake) platform."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import datetime

import pytest

from commands.errors import UpstreamUnavailable
from commands.features.kpi import DigestRunner, RetryPolicy, ensure_digest_jobs
from commands.features.kpi.digest import delivery_key
from commands.ports.kpi import KpiRequest, SourceKind
from commands.ports.outbox import DeliveryStatus
from commands.ports.schedule import JobDefinition, RunStatus
from jobs.scheduler import Scheduler
from tests.fixtures.db import count_rows
from tests.fixtures.delivery import DeliveryEnv
from tests.fixtures.kpi import KpiEnv
from tests.fixtures.platforms import FakeSlackApi
from tests.fixtures.scheduler import SchedulerStore, kst
from tests.fixtures.schemas import validate_block_kit

AT_0830 = kst(2026, 9, 23, 8, 30)  # Wednesday, the day before Chuseok


async def subscribe(env: KpiEnv, words: str = "매출 재고 미수금 business-days 08:30") -> JobDefinition:
    conv, _ = await env.conversation("C-DIGEST")
    reply = await env.say(await env.caller(env.people.executive), f"digest subscribe {words}", conv)
    assert "#1" in reply.text, reply.text
    job = await env.feature.jobs.get("digest-1")  # type: ignore[union-attr]
    assert job is not None
    return job


def runner(env: KpiEnv, **kwargs: object) -> DigestRunner:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    made = DigestRunner(env.services, env.feature, sleep=sleep, **kwargs)  # type: ignore[arg-type]
    made.delays = delays  # type: ignore[attr-defined]
    return made


async def digests_in_outbox(env: KpiEnv) -> int:
    return await count_rows(env.db, "outbox")


async def test_a_business_day_digest_at_0830_seoul(
    kpi_env: KpiEnv, scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    with sqlite3.connect(kpi_env.demo.db_path) as conn:  # a great September for sales: on target
        conn.execute("UPDATE kpi_facts SET value = value * 2 WHERE metric = 'sales' AND day LIKE '2026-09-%'")
    job = await subscribe(kpi_env)
    scheduler_store.clock.set(kst(2026, 9, 23, 8, 0))
    scheduler = make_scheduler()
    scheduler.register_kind("digest", runner(kpi_env))

    assert await scheduler.fire(job, AT_0830) is RunStatus.SUCCESS

    row = await kpi_env.outbox_repo.by_key(delivery_key(1, AT_0830))
    assert row is not None and row.delivery_key == "digest:1:2026-09-22T23:30:00+00:00"
    validate_block_kit(row.payload)
    text = str(row.payload)
    assert "KPI 요약 · 2026-09-23 (수)" in text and "2026년 9월" in text
    labels = [b for b in row.payload["blocks"] if b["type"] == "section" and "fields" in b]
    fields = [f["text"].split("\n") for block in labels for f in block["fields"]]
    assert [name for name, _ in fields] == [
        "*재고 · 전사*",
        "*미수금 · 전사*",
        "*매출 · 전사*",
    ]  # off target first
    assert [value[0] for _, value in fields] == ["🔴", "🔴", "🟢"]
    assert "전월 동기 대비" in fields[0][1] and "목표" in fields[0][1] and "9/22" in fields[0][1]
    [(_, status, note)] = await scheduler_store.statuses("digest-1")
    assert status is RunStatus.SUCCESS and note == ""


@pytest.mark.parametrize(
    "when",
    [
        kst(2026, 9, 24, 8, 30),
        kst(2026, 9, 25, 8, 30),
        kst(2026, 9, 26, 8, 30),
        kst(2026, 9, 27, 8, 30),
        kst(2026, 10, 5, 8, 30),
        kst(2026, 10, 3, 8, 30),
    ],
    ids=["chuseok-eve", "chuseok", "chuseok-after", "sunday", "substitute-holiday", "saturday"],
)
async def test_no_digest_on_holidays_or_weekends(
    kpi_env: KpiEnv, make_scheduler: Callable[..., Scheduler], scheduler_store: SchedulerStore, when: datetime
) -> None:
    job = await subscribe(kpi_env, "매출 평일 08:30")
    scheduler = make_scheduler()
    scheduler.register_kind("digest", runner(kpi_env))
    assert await scheduler.fire(job, when) is RunStatus.SKIPPED
    assert await digests_in_outbox(kpi_env) == 0
    history = await kpi_env.say(
        await kpi_env.caller(kpi_env.people.executive),
        "digest history 1",
        (await kpi_env.conversation("C-DIGEST"))[0],
    )
    assert "건너뜀 · not a business day" in str(history.cards[0].elements)


async def test_restarts_at_0829_and_0831_send_once(
    kpi_env: KpiEnv, scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    job = await subscribe(kpi_env)
    clock = scheduler_store.clock
    clock.set(kst(2026, 9, 23, 8, 29))
    first = make_scheduler("before-restart")
    first.register_kind("digest", runner(kpi_env))
    await first.start()
    await first.stop()  # restart at 08:29
    clock.set(kst(2026, 9, 23, 8, 29, 30))
    second = make_scheduler("after-0829")
    second.register_kind("digest", runner(kpi_env))
    await second.start()
    await second.wait_idle()
    assert await digests_in_outbox(kpi_env) == 0  # nothing due yet
    clock.set(AT_0830)
    assert await second.fire(job, AT_0830) is RunStatus.SUCCESS  # what its trigger does at 08:30
    await second.stop()  # restart at 08:31
    clock.set(kst(2026, 9, 23, 8, 31))
    third = make_scheduler("after-0831")
    third.register_kind("digest", runner(kpi_env))
    await third.start()  # catches up the 08:30 run, which exists: nothing happens
    await third.wait_idle()
    assert await digests_in_outbox(kpi_env) == 1
    assert [r.replica_id for r in await scheduler_store.runs.last_runs("digest-1")] == ["after-0829"]


async def test_down_at_0830_and_back_at_0831_sends_once(
    kpi_env: KpiEnv, scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    await subscribe(kpi_env)
    scheduler_store.clock.set(kst(2026, 9, 23, 8, 31))
    for name in ("back", "back-again"):
        scheduler = make_scheduler(name)
        scheduler.register_kind("digest", runner(kpi_env))
        await scheduler.start()
        await scheduler.wait_idle()
        await scheduler.stop()
    assert await digests_in_outbox(kpi_env) == 1
    [(when, status, _)] = await scheduler_store.statuses("digest-1")
    assert when == AT_0830 and status is RunStatus.SUCCESS


async def test_two_replicas_send_once(
    kpi_env: KpiEnv, scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    job = await subscribe(kpi_env)
    replicas = [make_scheduler(name, separate_engine=True) for name in ("replica-a", "replica-b")]
    for replica in replicas:
        replica.register_kind("digest", runner(kpi_env))
    outcomes = await asyncio.gather(*(r.fire(job, AT_0830) for r in replicas))
    assert sorted(outcomes, key=str) == sorted([RunStatus.SUCCESS, None], key=str)
    assert await digests_in_outbox(kpi_env) == 1
    # Even a run repeated by hand (its record removed) cannot post twice: the delivery key holds.
    assert "already enqueued" in str(await runner(kpi_env)(job, AT_0830))
    assert await digests_in_outbox(kpi_env) == 1


class FlakySource:
    """The ERP's KPI endpoint failing `failures` times, then answering through the real client."""

    def __init__(self, env: KpiEnv, failures: int) -> None:
        self.env, self.failures, self.calls = env, failures, 0

    async def fetch(self, request: KpiRequest) -> object:
        self.calls += 1
        if self.calls <= self.failures:
            raise UpstreamUnavailable("erp", "ERP answered 503", status=503)
        return await self.env.erp.kpi_values(
            request.spec.metric,
            request.start,
            request.end,
            grain=request.grain,
            department=request.department,
        )


async def test_a_failing_run_is_recorded_with_its_error_and_retried_per_policy(
    kpi_env: KpiEnv, scheduler_store: SchedulerStore, make_scheduler: Callable[..., Scheduler]
) -> None:
    job = await subscribe(kpi_env, "매출 daily 08:30")
    flaky = FlakySource(kpi_env, failures=100)
    kpi_env.feature.reader._sources[SourceKind.ERP] = flaky  # type: ignore[assignment]
    scheduler = make_scheduler()
    handler = runner(kpi_env, retry=RetryPolicy(attempts=3, delay=2.0))
    scheduler.register_kind("digest", handler)
    assert await scheduler.fire(job, AT_0830) is RunStatus.ERROR
    assert handler.delays == [2.0, 4.0]  # type: ignore[attr-defined]
    [(_, _, error)] = await scheduler_store.statuses("digest-1")
    assert error == "UpstreamUnavailable: ERP answered 503 (after 3 attempts)"
    assert await digests_in_outbox(kpi_env) == 0

    flaky.calls, flaky.failures = 0, 1  # the next day the ERP hiccups once: the retry saves the run
    tomorrow = kst(2026, 9, 24, 8, 30)
    assert await scheduler.fire(job, tomorrow) is RunStatus.SUCCESS
    assert await digests_in_outbox(kpi_env) == 1


async def test_skip_if_empty_and_always(
    kpi_env: KpiEnv, make_scheduler: Callable[..., Scheduler], scheduler_store: SchedulerStore
) -> None:
    before_history = kst(2025, 3, 12, 8, 30)  # the demo ERP's data starts in April 2025
    job = await subscribe(kpi_env, "매출 daily 08:30")
    scheduler = make_scheduler()
    scheduler.register_kind("digest", runner(kpi_env))
    assert await scheduler.fire(job, before_history) is RunStatus.SKIPPED
    assert (await scheduler_store.statuses("digest-1"))[0][2] == "no data"
    conv, _ = await kpi_env.conversation("C-DIGEST")
    await kpi_env.say(
        await kpi_env.caller(kpi_env.people.executive), "digest subscribe 수주 daily 08:30 always", conv
    )
    always = await kpi_env.feature.jobs.get("digest-2")  # type: ignore[union-attr]
    assert always is not None and await scheduler.fire(always, before_history) is RunStatus.SUCCESS


async def test_unsubscribed_or_unreachable_runs_are_skipped(
    kpi_env: KpiEnv, make_scheduler: Callable[..., Scheduler], scheduler_store: SchedulerStore
) -> None:
    job = await subscribe(kpi_env)
    _, target = await kpi_env.conversation("C-DIGEST")
    await kpi_env.services.targets.deactivate(target.id or 0, "bot removed from conversation")
    scheduler = make_scheduler()
    scheduler.register_kind("digest", runner(kpi_env))
    assert await scheduler.fire(job, AT_0830) is RunStatus.SKIPPED
    assert "bot removed" in (await scheduler_store.statuses("digest-1"))[0][2]
    await kpi_env.feature.digests.deactivate(1, "x")  # type: ignore[union-attr]
    assert await scheduler.fire(job, kst(2026, 9, 24, 8, 30)) in (RunStatus.SKIPPED, None)


async def test_jobs_are_reconciled_with_subscriptions_at_start(kpi_env: KpiEnv) -> None:
    await subscribe(kpi_env)
    jobs = kpi_env.feature.jobs
    assert jobs is not None
    await jobs.delete("digest-1")
    await jobs.upsert(
        JobDefinition("digest-99", "digest", "cron", {"hour": "1"}, payload={"subscription_id": 99})
    )
    assert await ensure_digest_jobs(kpi_env.feature) == (1, 1)
    assert [j.name for j in await jobs.list()] == ["digest-1"]
    assert await ensure_digest_jobs(kpi_env.feature) == (0, 0)


async def test_the_digest_reaches_slack_once(
    kpi_env: KpiEnv,
    delivery_env: DeliveryEnv,
    fake_slack: FakeSlackApi,
    make_scheduler: Callable[..., Scheduler],
) -> None:
    job = await subscribe(kpi_env)
    scheduler = make_scheduler()
    scheduler.register_kind("digest", runner(kpi_env))
    assert await scheduler.fire(job, AT_0830) is RunStatus.SUCCESS
    delivery_env.clock.set(kpi_env.clock.now())
    worker = delivery_env.worker()
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    row = await kpi_env.outbox_repo.by_key(delivery_key(1, AT_0830))
    assert row is not None and row.status is DeliveryStatus.SENT
    [posted] = fake_slack.method_calls("chat.postMessage")
    assert posted["channel"] == "C-DIGEST" and "KPI 요약" in posted["text"]
