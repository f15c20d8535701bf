"""Teams through the real CloudAdapter, replies observed at a local fake Bot Connector."""

from __future__ import annotations

import json

from commands.invocation import Platform
from tests.fixtures.bot import BotFactory, BotHarness
from tests.fixtures.schemas import validate_adaptive_card


def _cards(activity: dict) -> list[dict]:
    return [
        a["content"] for a in activity.get("attachments") or [] if a["contentType"].endswith("card.adaptive")
    ]


async def test_help_message_gets_adaptive_card_at_connector(bot: BotHarness) -> None:
    response = await bot.teams_message("help")
    assert response.status in (200, 201)
    sent = bot.connector.activities()
    assert len(sent) == 1
    cards = _cards(sent[0])
    assert len(cards) == 1
    validate_adaptive_card(cards[0])
    assert "ChatOps" in json.dumps(cards[0], ensure_ascii=False)


async def test_channel_mention_is_removed(bot: BotHarness) -> None:
    await bot.teams_message(
        "<at>ChatOps</at> ping",
        conversation={"id": "19:channel@thread.tacv2", "conversationType": "channel", "tenantId": "tenant-1"},
    )
    sent = bot.connector.activities()
    assert "pong" in sent[0]["text"]


async def test_unknown_command_in_english(bot: BotHarness) -> None:
    await bot.teams_message("frobnicate", locale="en-US")
    card = _cards(bot.connector.activities()[0])[0]
    assert "not a command I know" in json.dumps(card)
    validate_adaptive_card(card)


async def test_action_execute_returns_updated_card(bot: BotHarness) -> None:
    response = await bot.teams_execute("help.example", {"command": "ping"})
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    validate_adaptive_card(body["value"])
    assert "ping" in json.dumps(body["value"])


async def test_unknown_action_answers_message_not_error(bot: BotHarness) -> None:
    response = await bot.teams_execute("no.such.action", {})
    body = await response.json()
    assert response.status == 200 and body["type"] == "application/vnd.microsoft.activity.message"


async def test_unsigned_request_with_app_id_is_401(make_bot: BotFactory) -> None:
    bot = await make_bot(
        teams={"app_id": "00000000-0000-0000-0000-000000000001", "app_password": "pw-123456"}
    )
    response = await bot.teams_message("help")
    assert response.status == 401
    bad = await bot.teams_post(bot.activity(text="help"), headers={"Authorization": "Bearer not.a.jwt"})
    assert bad.status == 401
    assert bot.connector.calls == []


async def test_tenant_not_allowed_is_403(make_bot: BotFactory) -> None:
    bot = await make_bot(teams_policy={"allowed_tenants": ["tenant-ok"]})
    response = await bot.teams_message("help")
    assert response.status == 403
    assert bot.connector.calls == []


async def test_message_captures_conversation_reference(bot: BotHarness) -> None:
    await bot.teams_message("ping")
    target = await bot.container.services.targets.find(Platform.TEAMS, "tenant-1", "a:personal-1")
    assert target is not None
    assert target.reference["serviceUrl"] == bot.connector.url
    assert target.user_id == "29:user-1"


async def test_malformed_and_oversized_bodies(bot: BotHarness) -> None:
    bad = await bot.client.post("/api/messages", data=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status == 400
    wrong = await bot.client.post("/api/messages", json={"type": 5})
    assert wrong.status == 400
    big = await bot.client.post(
        "/api/messages", data=b"x" * 2_000_000, headers={"Content-Type": "application/json"}
    )
    assert big.status == 413


async def test_health_and_readiness(bot: BotHarness) -> None:
    assert (await bot.client.get("/healthz")).status == 200
    ready = await bot.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["database"] == "ok"
