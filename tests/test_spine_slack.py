"""Slack through the real Bolt app mounted in our aiohttp app, with signed requests."""

from __future__ import annotations

import json
import time

from commands.invocation import Platform
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import eventually
from tests.fixtures.schemas import validate_block_kit


async def test_signed_chatops_help_gets_block_kit(bot: BotHarness) -> None:
    response = await bot.slack_command("help")
    assert response.status == 200
    body = await response.json()
    assert body["blocks"], body
    validate_block_kit(body)
    assert "ChatOps" in json.dumps(body, ensure_ascii=False)
    assert body["response_type"] == "in_channel" or body["response_type"] == "ephemeral"


async def test_bad_signature_is_401_and_nothing_runs(bot: BotHarness) -> None:
    response = await bot.slack_command("help", secret="wrong-secret")
    assert response.status == 401
    assert bot.slack.method_calls("users.info") == []


async def test_stale_timestamp_is_401(bot: BotHarness) -> None:
    response = await bot.slack_command("help", timestamp=int(time.time()) - 600)
    assert response.status == 401


async def test_unknown_command_gets_usage_in_users_language(bot: BotHarness) -> None:
    bot.slack.users["U2"] = {
        "id": "U2",
        "locale": "en-US",
        "profile": {"real_name": "Jane", "email": "j@x.example"},
    }
    english = await (await bot.slack_command("frobnicate", user="U2")).json()
    korean = await (await bot.slack_command("frobnicate", user="U1")).json()
    assert "not a command I know" in english["text"]
    assert "알 수 없는 명령" in korean["text"]
    validate_block_kit(english)


async def test_own_slash_command_and_empty_text(bot: BotHarness) -> None:
    response = await bot.slack_command("", command="/chatops")
    body = await response.json()
    assert "ChatOps" in json.dumps(body, ensure_ascii=False)


async def test_help_example_button_round_trips_through_chat_update(bot: BotHarness) -> None:
    help_body = await (await bot.slack_command("help")).json()
    buttons = [e for b in help_body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    ping_button = next(b for b in buttons if "ping" in b["value"])
    response = await bot.slack_click({**ping_button, "block_id": "b1", "action_ts": "1"})
    assert response.status == 200
    updates = await eventually(lambda: bot.slack.method_calls("chat.update"))
    assert len(updates) == 1
    update = updates[0]
    assert update["channel"] == "C1" and update["ts"] == "1700000000.000001"
    blocks = json.loads(update["blocks"]) if isinstance(update["blocks"], str) else update["blocks"]
    assert "ping" in json.dumps(blocks)
    validate_block_kit({"text": update["text"], "blocks": blocks})


async def test_ephemeral_click_replaces_via_response_url(bot: BotHarness) -> None:
    help_body = await (await bot.slack_command("help")).json()
    button = next(e for b in help_body["blocks"] if b["type"] == "actions" for e in b["elements"])
    await bot.slack_click({**button, "block_id": "b1", "action_ts": "1"}, ephemeral=True)
    responses = await eventually(bot.slack.responses)
    assert responses and responses[-1].get("replace_original") in (True, "true")


async def test_command_remembers_conversation_target(bot: BotHarness) -> None:
    await bot.slack_command("ping", channel="D9", user="U9")
    target = await bot.container.services.targets.find(Platform.SLACK, "T1", "D9")
    assert target is not None and target.user_id == "U9" and target.kind == "personal"


async def test_garbage_payload_with_valid_signature_is_not_500(bot: BotHarness) -> None:
    for body in ["payload=%7Bnot-json", "payload=%5B1%2C2%5D", "", "command=%2Fchatops", "a=b&c"]:
        response = await bot.slack_post(body, "application/x-www-form-urlencoded")
        assert response.status < 500, body
