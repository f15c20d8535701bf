"""The worker delivering to Slack through the real AsyncWebClient, observed at the local fake Web API:
chat.postMessage with metadata, chat.update, conversations.open, and Slack's error codes."""

from __future__ import annotations

from datetime import timedelta

from adapters.slack.sender import METADATA_EVENT, delivery_digest
from commands.cards import Reply
from commands.invocation import ConversationKind, Platform
from commands.ports.outbox import DeliveryStatus, OutboundMessage, Person
from tests.fixtures.delivery import DeliveryEnv
from tests.fixtures.platforms import FakeSlackApi


def _error(error: str, status: int = 200, headers: dict[str, str] | None = None) -> tuple:
    return (status, headers or {}, {"ok": False, "error": error})


async def test_post_carries_text_blocks_and_the_key_digest(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    await env.post(await env.slack_target("C1"), "digest:2026-05-12:C1", "오늘의 요약 <!channel>")
    await env.worker().run_once()
    (call,) = fake_slack.method_calls("chat.postMessage")
    assert call["channel"] == "C1"
    assert call["text"] == "오늘의 요약 &lt;!channel&gt;" and call["blocks"]
    assert call["metadata"] == {
        "event_type": METADATA_EVENT,
        "event_payload": {"delivery": delivery_digest("digest:2026-05-12:C1")},
    }
    assert "digest:2026" not in str(call["metadata"])  # the key itself is not published
    row = await env.row("digest:2026-05-12:C1")
    assert row.status is DeliveryStatus.SENT and row.platform_message_id == "1700000000.000001"


async def test_update_goes_through_chat_update(delivery_env: DeliveryEnv, fake_slack: FakeSlackApi) -> None:
    env = delivery_env
    await env.post(await env.slack_target("C1"), "card:v1", "v1")
    worker = env.worker()
    await worker.run_once()
    ref = await env.outbox.delivered_ref("card:v1")
    assert ref is not None
    await env.outbox.enqueue(OutboundMessage.update(ref, Reply("v2"), key="card:v2"))
    await worker.run_once()
    (update,) = fake_slack.method_calls("chat.update")
    assert (update["channel"], update["ts"], update["text"]) == ("C1", ref.message_id, "v2")
    assert (await env.row("card:v2")).status is DeliveryStatus.SENT


async def test_dm_via_conversations_open_is_stored_and_reused(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    person = Person(Platform.SLACK, "T1", "U42")
    await env.outbox.enqueue(OutboundMessage.to_person(person, Reply("hello"), key="dm:1"))
    worker = env.worker()
    await worker.run_once()
    assert fake_slack.method_calls("conversations.open") == [{"users": "U42"}]
    assert [c["channel"] for c in fake_slack.method_calls("chat.postMessage")] == ["DU42"]
    stored = await env.targets.personal_for(Platform.SLACK, "T1", "U42")
    assert (
        stored is not None and stored.conversation_id == "DU42" and stored.kind is ConversationKind.PERSONAL
    )
    assert stored.reference == {"team_id": "T1", "channel_id": "DU42", "user_id": "U42"}

    await env.outbox.enqueue(OutboundMessage.to_person(person, Reply("again"), key="dm:2"))
    assert (await env.row("dm:2")).target_id == stored.id  # resolved at enqueue this time
    await worker.run_once()
    assert len(fake_slack.method_calls("conversations.open")) == 1
    assert len(fake_slack.method_calls("chat.postMessage")) == 2


async def test_429_retry_after_pauses_the_channel(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    hot, calm = await env.slack_target("C1"), await env.slack_target("C2")
    await env.post(hot, "h1")
    await env.post(hot, "h2")
    fake_slack.fail_next.append(_error("ratelimited", 429, {"Retry-After": "7"}))
    limiter = env.limiter()
    worker = env.worker(limiter=limiter)
    await worker.run_once()
    row = await env.row("h1")
    assert (row.status, row.attempts, row.throttled) == (DeliveryStatus.PENDING, 0, 1)
    assert row.next_attempt_at == env.clock.now() + timedelta(seconds=7)
    assert limiter.paused_for(("slack", "conversation", "C1")) == 7

    await env.post(calm, "c1")
    await worker.run_once()  # the other channel is not held back
    assert [c["channel"] for c in fake_slack.method_calls("chat.postMessage")] == ["C1", "C2"]
    env.clock.advance(seconds=7)
    await worker.run_once()
    await worker.run_once()
    assert [(await env.row(k)).status for k in ("h1", "h2")] == [DeliveryStatus.SENT] * 2


async def test_not_in_channel_deactivates_and_cancels(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    target = await env.slack_target("C1")
    for key in ("k1", "k2"):
        await env.post(target, key)
    fake_slack.fail_next.append(_error("not_in_channel"))
    worker = env.worker()
    await worker.run_once()
    assert (await env.row("k1")).last_error == "target gone: slack 200 not_in_channel"
    assert (await env.row("k2")).status is DeliveryStatus.CANCELLED
    stored = await env.targets.get(target.id or 0)
    assert stored is not None and not stored.active and stored.inactive_reason == "slack 200 not_in_channel"
    assert await worker.run_once() == 0
    assert len(fake_slack.method_calls("chat.postMessage")) == 1


async def test_invalid_blocks_is_dead_at_once(delivery_env: DeliveryEnv, fake_slack: FakeSlackApi) -> None:
    env = delivery_env
    target = await env.slack_target("C1")
    await env.post(target, "bad")
    await env.post(target, "good")
    fake_slack.fail_next.append(_error("invalid_blocks"))
    worker = env.worker()
    await worker.run_once()
    await worker.run_once()
    bad = await env.row("bad")
    assert (bad.status, bad.attempts, bad.last_error) == (DeliveryStatus.DEAD, 1, "slack 200 invalid_blocks")
    assert (await env.row("good")).status is DeliveryStatus.SENT  # the conversation moves on
    target_now = await env.targets.get(target.id or 0)
    assert target_now is not None and target_now.active


async def test_a_recovered_row_already_in_history_is_not_posted_again(
    delivery_env: DeliveryEnv, fake_slack: FakeSlackApi
) -> None:
    env = delivery_env
    await env.post(await env.slack_target("C1"), "k1")
    assert len(await env.repo.claim("crashed", env.clock.now(), 30, 1)) == 1
    # The crashed worker's post reached Slack; the fake's history shows it with our metadata.
    fake_slack.fail_next.append(
        (
            200,
            {},
            {
                "ok": True,
                "messages": [
                    {
                        "ts": "1700000000.000777",
                        "metadata": {"event_payload": {"delivery": delivery_digest("k1")}},
                    }
                ],
            },
        )
    )
    env.clock.advance(seconds=31)
    await env.worker().run_once()
    assert fake_slack.method_calls("chat.postMessage") == []
    (history,) = fake_slack.method_calls("conversations.history")
    assert history["channel"] == "C1" and history["include_all_metadata"] in ("1", "true", "True")
    row = await env.row("k1")
    assert (row.status, row.platform_message_id) == (DeliveryStatus.SENT, "1700000000.000777")
