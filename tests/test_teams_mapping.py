"""The conversation reference kept for proactive messages: what msrest would serialize, without the
incoming message's id, the same from one message to the next, and a fresh dict every time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams.mapping import target_of
from commands.invocation import Platform
from tests.fixtures.bot import BotHarness

PERSONAL: dict[str, Any] = {
    "type": "message",
    "id": "m-1",
    "channelId": "msteams",
    "serviceUrl": "https://smba.example/kr/",
    "from": {"id": "29:u", "name": "김민준", "aadObjectId": "aad-1"},
    "recipient": {"id": "28:bot", "name": "ChatOps"},
    "conversation": {"id": "a:dm-1", "conversationType": "personal", "tenantId": "t1"},
    "locale": "ko-KR",
    "text": "help",
}
CHANNEL: dict[str, Any] = {
    **PERSONAL,
    "from": {"id": "29:v", "name": "v", "properties": {"x": [1, 2]}, "role": "user"},
    "conversation": {"id": "19:c@thread", "conversationType": "channel", "isGroup": True, "name": "General"},
    "channelData": {"tenant": {"id": "t2"}},
}


def _expected(body: dict[str, Any]) -> dict[str, Any]:
    activity = Activity().deserialize(body)
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId")
    reference["tenantId"] = target_of(activity).tenant_id
    return reference


@pytest.mark.parametrize("body", [PERSONAL, CHANNEL])
def test_the_reference_is_what_msrest_serializes_without_the_activity_id(body: dict[str, Any]) -> None:
    expected = _expected(body)
    for message_id in ("m-1", "m-2", "m-3"):
        reference = target_of(Activity().deserialize({**body, "id": message_id})).reference
        assert reference == expected and "activityId" not in reference
        reference["conversation"]["id"] = "changed by a caller"
    assert target_of(Activity().deserialize(body)).reference == expected


def test_a_changed_field_gives_a_new_reference() -> None:
    moved = {**PERSONAL, "serviceUrl": "https://smba.example/jp/"}
    renamed = {**PERSONAL, "from": {**PERSONAL["from"], "name": "Minjun Kim"}}
    grouped = {**PERSONAL, "conversation": {**PERSONAL["conversation"], "isGroup": False}}
    for body in (PERSONAL, moved, renamed, grouped):
        assert target_of(Activity().deserialize(body)).reference == _expected(body)
    assert json.dumps(_expected(grouped)) != json.dumps(_expected(PERSONAL))


async def test_two_messages_keep_the_same_stored_reference(bot: BotHarness) -> None:
    await bot.teams_message("ping")
    first = await bot.container.services.targets.find(Platform.TEAMS, "tenant-1", "a:personal-1")
    await bot.teams_message("ping")
    second = await bot.container.services.targets.find(Platform.TEAMS, "tenant-1", "a:personal-1")
    assert first is not None and second is not None
    assert first.reference == second.reference and "activityId" not in second.reference
    assert second.reference["serviceUrl"] == bot.connector.url
