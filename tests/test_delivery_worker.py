"""The worker's guarantees: survives restarts, re-sends a crashed worker's row once, keeps each
conversation in order, wakes on enqueue, and lets a throttled conversation wait without blocking."""

from __future__ import annotations

import asyncio

import pytest

from commands.cards import Reply
from commands.errors import ConfigurationError
from commands.invocation import Platform
from commands.ports.outbox import DeliveryStatus, OutboundMessage
from jobs.delivery import DeliveryWorker
from jobs.outbox import OutboxService
from jobs.ratelimit import TEAMS_CONVERSATION, Window
from store.db import Database
from store.outbox import SqlOutboxRepository
from store.targets import SqlTargetRepository
from tests.fixtures.delivery import DeliveryEnv
from tests.fixtures.platforms import FakeBotConnector, FakeSlackApi


async def test_rows_survive_a_restart_and_are_sent_once(
    delivery_env: DeliveryEnv, database_url: str, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    target = await env.slack_target("C1")
    for key in ("k1", "k2"):
        await env.post(target, key)
    await env.db.dispose()  # "restart": a new process would build everything again on the same database

    db = Database.from_url(database_url)
    try:
        targets = SqlTargetRepository(db, clock=env.clock)
        repo = SqlOutboxRepository(db)
        worker = DeliveryWorker(
            repo,
            {Platform.SLACK: env.slack},
            env.limiter(),
            env.clock,
            targets=targets,
            worker_id="after-restart",
        )
        await worker.run_once()
        await worker.run_once()
        assert await worker.run_once() == 0
        assert await repo.counts() == {"sent": 2}
    finally:
        await db.dispose()
    assert [c["text"] for c in fake_slack.method_calls("chat.postMessage")] == ["k1", "k2"]


async def test_a_crashed_workers_row_is_sent_once_by_another(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    await env.post(await env.teams_target(), "k1")
    assert len(await env.repo.claim("crashed", env.clock.now(), 30, 5)) == 1  # then it died
    survivor = env.worker(worker_id="survivor", lease=30)
    assert await survivor.run_once() == 0  # the lease still holds
    env.clock.advance(seconds=31)
    assert await survivor.run_once() == 1
    assert await survivor.run_once() == 0
    assert len(fake_connector.activities()) == 1
    assert (await env.row("k1")).status is DeliveryStatus.SENT


async def test_each_conversation_stays_in_order(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    targets = [await env.teams_target(f"a:{i}", user=f"29:u{i}") for i in range(3)]
    targets.append(await env.slack_target("C1"))
    for n in range(6):
        for t in targets:
            await env.post(t, f"{t.conversation_id}-{n}")
    fake_connector.fail_next.extend([(500, {}), (503, {})])  # two conversations fall into backoff
    worker = env.worker(limiter=env.limiter({}), max_attempts=10)
    for _ in range(40):
        if await worker.run_once() == 0:
            env.clock.advance(seconds=60)
    assert await env.repo.counts() == {"sent": 24}

    seen: dict[str, list[str]] = {}
    for call in fake_connector.calls:
        if call.method == "POST" and "/activities" in call.path:
            seen.setdefault(call.path.split("/")[3], []).append(call.body["text"])
    for body in fake_slack.method_calls("chat.postMessage"):
        seen.setdefault(body["channel"], []).append(body["text"])
    for t in targets:
        sent = [text for text in seen[t.conversation_id] if text]
        expected = [f"{t.conversation_id}-{n}" for n in range(6)]
        # A refused request shows up once more, in place; the accepted order is the enqueue order.
        assert list(dict.fromkeys(sent)) == expected


async def test_enqueue_wakes_a_running_worker(delivery_env: DeliveryEnv, fake_slack: FakeSlackApi) -> None:
    env = delivery_env
    target = await env.slack_target("C1")
    worker = env.worker(poll_interval=300.0)
    env.outbox.subscribe(worker.notify)
    await worker.start()
    try:
        await asyncio.sleep(0.05)  # the loop found nothing and went to sleep for 300 s
        await env.post(target, "k1")
        async with asyncio.timeout(5):
            while (await env.row("k1")).status is not DeliveryStatus.SENT:  # noqa: ASYNC110 - polls the db
                await asyncio.sleep(0.02)
    finally:
        await worker.stop()
    assert len(fake_slack.method_calls("chat.postMessage")) == 1


async def test_a_throttled_conversation_waits_without_blocking_others(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    hot = await env.teams_target("a:hot", user="29:hot")
    calm = await env.teams_target("a:calm", user="29:calm")
    for n in range(8):
        await env.post(hot, f"hot-{n}")
    limiter = env.limiter({("teams", "conversation"): TEAMS_CONVERSATION})
    worker = env.worker(limiter=limiter, max_wait=0.5)
    for _ in range(7):
        await worker.run_once()
    await env.post(calm, "calm-0")
    await worker.run_once()  # hot-7 would have to wait 1 s: put back; calm-0 goes out
    hot7 = await env.row("hot-7")
    assert (hot7.status, hot7.attempts, hot7.throttled) == (DeliveryStatus.PENDING, 0, 0)
    assert (await env.row("calm-0")).status is DeliveryStatus.SENT
    assert await worker.run_once() == 0
    env.clock.advance(seconds=1)
    await worker.run_once()
    assert (await env.row("hot-7")).status is DeliveryStatus.SENT
    assert len(fake_connector.activities()) == 9


async def test_an_unknown_platform_row_is_a_dead_letter(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    only_slack = OutboxService(env.repo, env.targets, {}, env.clock)
    target = await env.slack_target("C1")
    with pytest.raises(ConfigurationError, match="no renderer for slack"):
        await only_slack.enqueue(OutboundMessage.to_target(target, Reply("x"), key="k"))
    await env.post(target, "k1")
    worker = DeliveryWorker(env.repo, {}, env.limiter(), env.clock, targets=env.targets, worker_id="w")
    await worker.run_once()
    assert (await env.row("k1")).last_error == "no sender for slack"


async def test_a_booked_up_tenant_does_not_take_every_slot(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    await env.post(await env.teams_target("a:1"), "teams-1")
    await env.post(await env.slack_target("C1"), "slack-1")
    limiter = env.limiter({("teams", "tenant"): (Window(1, 0.2),)})
    tenant = ("teams", "tenant", "tenant-1")
    limiter.reserve([tenant])
    worker = env.worker(limiter=limiter, saturation=0.1)
    await worker.run_once()  # teams-1 books the tenant's next slot, 0.2 s ahead, and waits for it
    assert limiter.backlog(tenant) == pytest.approx(0.2)
    await env.post(await env.slack_target("C2"), "slack-2")
    await env.post(await env.teams_target("a:2", user="29:u2"), "teams-2")
    assert await worker.run_once() == 1  # only slack-2: the tenant is still booked up
    assert (await env.row("teams-2")).status is DeliveryStatus.PENDING
    assert (await env.row("slack-2")).status is DeliveryStatus.SENT
