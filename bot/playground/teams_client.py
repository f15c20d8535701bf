"""Playground -> bot, as Teams would: Activities POSTed over HTTP to the bot's own /api/messages.

serviceUrl is the playground's connector on the same server, so every reply, update and proactive
message comes back to bot/playground/connector.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.playground.connector import PREFIX as CONNECTOR_PREFIX
from bot.playground.connector import TEAMS
from bot.playground.state import Playground
from bot.playground.users import (
    TEAMS_BOT_ID,
    TEAMS_BOT_NAME,
    TEAMS_TENANT_ID,
    DemoUser,
    teams_aad_id,
    teams_conversation_id,
    teams_user_id,
)
from commands.i18n import t

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
TIMEOUT = aiohttp.ClientTimeout(total=30)


def activity(base: str, user: DemoUser, **fields: Any) -> dict[str, Any]:
    """An Activity from `user` in their 1:1 with the bot, shaped like the Teams channel sends it."""
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4().hex,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "channelId": "msteams",
        "serviceUrl": base + CONNECTOR_PREFIX + "/",
        "from": {"id": teams_user_id(user), "name": user.name, "aadObjectId": teams_aad_id(user)},
        "recipient": {"id": TEAMS_BOT_ID, "name": TEAMS_BOT_NAME},
        "conversation": {
            "id": teams_conversation_id(user),
            "conversationType": "personal",
            "tenantId": TEAMS_TENANT_ID,
        },
        "channelData": {"tenant": {"id": TEAMS_TENANT_ID}},
        "locale": user.locale,
        "localTimezone": "Asia/Seoul",
        "entities": [
            {"type": "clientInfo", "locale": user.locale, "platform": "Web", "timezone": "Asia/Seoul"}
        ],
        **fields,
    }


async def _post(playground: Playground, base: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with playground.http().post(base + "/api/messages", json=body, timeout=TIMEOUT) as response:
        raw = await response.read()
        try:
            payload = await response.json(content_type=None) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")[:500]
        return response.status, payload


def _notice(playground: Playground, user: DemoUser, text: str) -> None:
    playground.hub.add(
        {
            "platform": TEAMS,
            "conversation": teams_conversation_id(user),
            "audience": user.key,
            "sender": "system",
            "text": text,
        }
    )


async def send_text(playground: Playground, base: str, user: DemoUser, text: str) -> dict[str, Any]:
    """The user types `text`: shown at once, then sent as a message activity."""
    message = activity(base, user, type="message", text=text, textFormat="plain")
    playground.hub.add(
        {
            "id": message["id"],
            "platform": TEAMS,
            "conversation": teams_conversation_id(user),
            "audience": user.key,
            "sender": "user",
            "text": text,
            "attachments": [],
        }
    )
    status, _ = await _post(playground, base, message)
    if status >= 300:
        _notice(playground, user, t(user.locale, "playground.bot_error", status=status))
    return {"status": status}


async def execute(
    playground: Playground,
    base: str,
    user: DemoUser,
    message_id: str,
    attachment: int,
    verb: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """An Action.Execute click: an adaptiveCard/action invoke; a returned card replaces the clicked one."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    invoke = activity(
        base, user, type="invoke", name="adaptiveCard/action", value=value, replyToId=message_id
    )
    status, body = await _post(playground, base, invoke)
    conversation = teams_conversation_id(user)
    if status == 200 and isinstance(body, dict) and body.get("type") == ADAPTIVE_CARD:
        original = playground.hub.find(TEAMS, conversation, message_id)
        if original is not None:
            attachments = list(original.get("attachments") or [])
            if 0 <= attachment < len(attachments):
                attachments[attachment] = {"contentType": ADAPTIVE_CARD, "content": body.get("value")}
                playground.hub.update(TEAMS, conversation, message_id, attachments=attachments)
    elif status >= 300:
        _notice(playground, user, t(user.locale, "playground.bot_error", status=status))
    return {"status": status, "response": body}
