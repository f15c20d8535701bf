"""The worker delivering to Teams through the real CloudAdapter/ConnectorClient, observed at the local
fake Bot Connector: posts, updates (PUT), opening a 1:1, 429/500/403 handling."""

from __future__ import annotations

from datetime import timedelta

from commands.cards import Card, Reply, Text
from commands.invocation import ConversationKind, Platform
from commands.ports.outbox import DeliveryStatus, OutboundMessage, Person
from tests.fixtures.delivery import DeliveryEnv
from tests.fixtures.platforms import FakeBotConnector


async def test_post_goes_to_the_conversation_once(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    target = await env.teams_target("a:dm-1")
    card = Card(summary="결재 요청", elements=(Text("결재 요청이 도착했습니다"),))
    message = OutboundMessage.to_target(target, Reply.of(card), key="approval:1:v1")
    assert await env.outbox.enqueue(message)
    assert not await env.outbox.enqueue(message)
    worker = env.worker()
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0

    (call,) = [c for c in fake_connector.calls if c.method == "POST"]
    assert call.path.startswith("/v3/conversations/a:dm-1/activities")
    assert call.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert call.body["summary"] == "결재 요청"
    assert call.body["conversation"]["tenantID"] == "tenant-1"  # botbuilder's spelling
    row = await env.row("approval:1:v1")
    assert row.status is DeliveryStatus.SENT and (row.platform_message_id or "").startswith("activity-")
    ref = await env.outbox.delivered_ref("approval:1:v1")
    assert ref is not None and ref.message_id == row.platform_message_id


async def test_update_of_a_delivered_message_is_a_put(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    target = await env.teams_target()
    await env.post(target, "card:v1", "v1")
    # Queued before the post went out: it waits behind it and then finds its activity id.
    await env.outbox.enqueue(
        OutboundMessage.update("card:v1", Reply("v2"), key="card:v2", platform=Platform.TEAMS)
    )
    worker = env.worker()
    await worker.run_once()
    await worker.run_once()
    activity_id = (await env.row("card:v1")).platform_message_id
    (put,) = fake_connector.updates()
    assert put.path == f"/v3/conversations/a:dm-1/activities/{activity_id}"
    assert put.body["text"] == "v2" and put.body["id"] == activity_id
    assert (await env.row("card:v2")).status is DeliveryStatus.SENT


async def test_dm_to_someone_who_never_talked_to_the_bot(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    await env.teams_target("19:general@thread.tacv2", user="")  # a channel of the tenant: routing hint
    person = Person(Platform.TEAMS, "tenant-1", "29:new-user")
    await env.outbox.enqueue(OutboundMessage.to_person(person, Reply("안녕하세요"), key="dm:1"))
    worker = env.worker()
    await worker.run_once()

    create, post = [c for c in fake_connector.calls if c.method == "POST"]
    assert create.path == "/v3/conversations"
    assert create.body["members"] == [{"id": "29:new-user"}]
    assert (
        create.body["channelData"] == {"tenant": {"id": "tenant-1"}} and create.body["bot"]["id"] == "28:bot"
    )
    new_conversation = post.path.split("/")[3]
    assert new_conversation.startswith("a:new-conversation-")
    stored = await env.targets.personal_for(Platform.TEAMS, "tenant-1", "29:new-user")
    assert stored is not None and stored.kind is ConversationKind.PERSONAL
    assert stored.conversation_id == new_conversation
    assert stored.reference["serviceUrl"] == env.connector_url
    assert (await env.row("dm:1")).target_id == stored.id

    # The next message to the same person reuses the stored conversation.
    await env.outbox.enqueue(OutboundMessage.to_person(person, Reply("또 왔어요"), key="dm:2"))
    await worker.run_once()
    assert [c.path.split("/")[3] for c in fake_connector.calls[2:]] == [new_conversation]


async def test_429_is_honoured_and_not_a_failed_attempt(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    target = await env.teams_target()
    await env.post(target, "k1")
    fake_connector.fail_next.append((429, {"Retry-After": "30"}))
    worker = env.worker()
    await worker.run_once()
    row = await env.row("k1")
    assert (row.status, row.attempts, row.throttled) == (DeliveryStatus.PENDING, 0, 1)
    assert row.next_attempt_at == env.clock.now() + timedelta(seconds=30)
    assert "429" in row.last_error

    env.clock.advance(seconds=29)
    assert await worker.run_once() == 0  # not before Retry-After
    env.clock.advance(seconds=1)
    assert await worker.run_once() == 1
    assert (await env.row("k1")).status is DeliveryStatus.SENT
    assert len(fake_connector.activities()) == 2  # the refused one and the accepted one


async def test_500_backs_off_then_succeeds(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    await env.post(await env.teams_target(), "k1")
    fake_connector.fail_next.append((500, {}))
    worker = env.worker()
    await worker.run_once()
    row = await env.row("k1")
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert (
        env.clock.now() <= (row.next_attempt_at or env.clock.now()) <= env.clock.now() + timedelta(seconds=2)
    )
    env.clock.advance(seconds=2)
    await worker.run_once()
    assert (await env.row("k1")).status is DeliveryStatus.SENT
    assert len(fake_connector.activities()) == 2  # no hidden retries inside the SDK


async def test_repeated_failures_end_as_a_dead_letter(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    await env.post(await env.teams_target(), "k1")
    fake_connector.fail_next.extend([(502, {}), (503, {}), (504, {})])
    worker = env.worker(max_attempts=3)
    for _ in range(3):
        await worker.run_once()
        env.clock.advance(hours=1)
    row = await env.row("k1")
    assert row.status is DeliveryStatus.DEAD and row.attempts == 3
    assert row.last_error == "gave up after 3 attempts: bot connector 504 fake"
    assert await worker.run_once() == 0
    assert len(fake_connector.activities()) == 3


async def test_403_deactivates_the_target_and_cancels_its_queue(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    env = delivery_env
    gone, other = await env.teams_target("a:gone"), await env.teams_target("a:fine", user="29:u2")
    for key in ("g1", "g2", "g3"):
        await env.post(gone, key)
    await env.post(other, "o1")
    fake_connector.fail_next.append((403, {}))
    worker = env.worker(concurrency=1, batch=1)
    await worker.run_once()
    await worker.run_once()

    assert (await env.row("g1")).status is DeliveryStatus.DEAD
    assert (await env.row("g1")).last_error == "target gone: bot connector 403 fake"
    assert [(await env.row(k)).status for k in ("g2", "g3")] == [DeliveryStatus.CANCELLED] * 2
    stored = await env.targets.get(gone.id or 0)
    assert stored is not None and not stored.active and "403" in stored.inactive_reason
    assert (await env.row("o1")).status is DeliveryStatus.SENT
    assert await worker.run_once() == 0
    assert [c.path.split("/")[3] for c in fake_connector.calls] == ["a:gone", "a:fine"]

    # A message enqueued for the inactive conversation later is dead-lettered without a call.
    await env.post(gone, "g4")
    await worker.run_once()
    assert (await env.row("g4")).last_error.startswith("target gone: conversation inactive")
    assert len(fake_connector.calls) == 2
