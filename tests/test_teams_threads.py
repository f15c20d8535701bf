"""Teams channel reply threads: Teams names the thread `<channel id>;messageid=<root id>`. The bot
remembers the channel once (proactive posts start new posts in it), and answers in the thread."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from adapters.teams.mapping import conversation_of, target_of, without_reply_chain
from commands.invocation import ConversationKind, Platform
from commands.ports.targets import Target
from tests.fixtures.bot import BotHarness
from tests.fixtures.delivery import DeliveryEnv, teams_reference
from tests.fixtures.platforms import FakeBotConnector

CHANNEL_ID = "19:abc@thread.tacv2"
THREAD_ID = f"{CHANNEL_ID};messageid=1700000000000"
OTHER_THREAD_ID = f"{CHANNEL_ID};messageid=1700000000999"


def _in(conversation_id: str) -> dict[str, Any]:
    return {"id": conversation_id, "conversationType": "channel", "tenantId": "tenant-1", "isGroup": True}


def _channel_activity(conversation_id: str) -> Activity:
    return Activity().deserialize(
        {
            "type": "message",
            "id": "m-1",
            "channelId": "msteams",
            "serviceUrl": "https://smba.example/kr/",
            "from": {"id": "29:u", "name": "김민준"},
            "recipient": {"id": "28:bot", "name": "ChatOps"},
            "conversation": _in(conversation_id),
            "text": "help",
        }
    )


def test_the_reply_chain_is_cut_off_the_channel_id() -> None:
    assert without_reply_chain(THREAD_ID) == CHANNEL_ID
    assert without_reply_chain(f"{CHANNEL_ID};MessageId=1") == CHANNEL_ID
    assert without_reply_chain(CHANNEL_ID) == CHANNEL_ID
    assert without_reply_chain("a:personal-1") == "a:personal-1"


def test_a_thread_message_maps_to_its_channel_and_leaves_the_activity_alone() -> None:
    activity = _channel_activity(THREAD_ID)
    conversation = conversation_of(activity)
    assert (conversation.id, conversation.kind) == (CHANNEL_ID, ConversationKind.CHANNEL)
    target = target_of(activity)
    assert target.conversation_id == CHANNEL_ID
    assert target.reference["conversation"]["id"] == CHANNEL_ID
    assert target.reference == target_of(_channel_activity(CHANNEL_ID)).reference
    assert activity.conversation.id == THREAD_ID  # the reply still goes into the thread


async def test_threads_of_one_channel_are_one_target(bot: BotHarness) -> None:
    for conversation_id in (THREAD_ID, OTHER_THREAD_ID, CHANNEL_ID):
        assert (await bot.teams_message("ping", conversation=_in(conversation_id))).status == 200
    targets = await bot.container.services.targets.list(platform=Platform.TEAMS)
    assert [t.conversation_id for t in targets] == [CHANNEL_ID]
    assert targets[0].reference["conversation"]["id"] == CHANNEL_ID
    assert targets[0].kind is ConversationKind.CHANNEL and targets[0].active


async def test_the_reply_goes_into_the_thread_the_user_wrote_in(bot: BotHarness) -> None:
    incoming = bot.activity(text="ping", conversation=_in(THREAD_ID))
    await bot.teams_post(incoming)
    (reply,) = [c for c in bot.connector.calls if c.method == "POST"]
    assert reply.path == f"/v3/conversations/{THREAD_ID}/activities/{incoming['id']}"
    assert reply.body["conversation"]["id"] == THREAD_ID and "pong" in reply.body["text"]


async def test_a_target_stored_under_the_thread_id_is_left_as_it_was(bot: BotHarness) -> None:
    targets = bot.container.services.targets
    old_reference = teams_reference(bot.connector.url, THREAD_ID, "tenant-1")
    old = await targets.upsert(
        Target(Platform.TEAMS, "tenant-1", THREAD_ID, ConversationKind.CHANNEL, reference=old_reference)
    )
    await bot.teams_message("ping", conversation=_in(THREAD_ID))
    assert old.id is not None
    kept = await targets.get(old.id)
    assert kept is not None and kept.active and kept.reference == old_reference
    channel = await targets.find(Platform.TEAMS, "tenant-1", CHANNEL_ID)
    assert channel is not None and channel.id != old.id


async def test_a_proactive_post_starts_a_new_post_in_the_channel(
    delivery_env: DeliveryEnv, fake_connector: FakeBotConnector
) -> None:
    activity = _channel_activity(THREAD_ID)
    activity.service_url = fake_connector.url
    target = await delivery_env.targets.upsert(target_of(activity))
    assert await delivery_env.post(target, "digest:1")
    assert await delivery_env.worker().run_once() == 1
    (post,) = [c for c in fake_connector.calls if c.method == "POST"]
    assert post.path == f"/v3/conversations/{CHANNEL_ID}/activities"
    assert post.body["conversation"]["id"] == CHANNEL_ID and "replyToId" not in post.body


@pytest.mark.parametrize(
    "fields",
    [
        {"conversation": {"id": "19:" + "a" * 600 + "@thread.tacv2", "conversationType": "channel"}},
        {"conversation": {"id": "a:대화", "conversationType": "personal", "tenantId": "tenant-1"}},
        {"channelData": {"tenant": {"id": "t" * 129}}},
        {"from": {"id": "29:" + "u" * 300, "name": "long"}},
    ],
    ids=["channel id wider than its column", "non-ASCII id", "tenant id too wide", "user id too wide"],
)
async def test_ids_that_cannot_be_addressed_or_stored_are_refused_and_nothing_is_kept(
    bot: BotHarness, fields: dict[str, Any]
) -> None:
    before = len(bot.connector.activities())
    response = await bot.teams_message("help", **fields)
    assert response.status == 400
    assert len(bot.connector.activities()) == before
    for conversation in ("19:" + "a" * 600 + "@thread.tacv2", "a:대화", "a:personal-1"):
        for tenant in ("tenant-1", "t" * 129, ""):
            assert await bot.container.services.targets.find(Platform.TEAMS, tenant, conversation) is None
