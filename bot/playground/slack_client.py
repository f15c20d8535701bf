"""Playground -> bot, as Slack would: signed form posts to the bot's own /slack/events.

Slash commands (`command=…&text=…&response_url=…`), block_actions clicks (`payload=…`) and modal
submissions (view_submission), each signed v0 HMAC-SHA256 over `v0:{ts}:{body}` with the signing
secret, which stays on the server. Answers come back in the ack, through response_url, or through the
fake Web API (bot/playground/slack_api.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

import aiohttp

from adapters.slack.app import slash_commands
from bot.playground.slack_api import RESPONSE_PREFIX, SLACK, bot_message
from bot.playground.state import Playground, SlackOrigin
from bot.playground.users import (
    SLACK_APP_ID,
    SLACK_BOT_ID,
    SLACK_BOT_USER_ID,
    SLACK_TEAM_DOMAIN,
    SLACK_TEAM_ID,
    DemoUser,
    slack_dm_channel,
    slack_user_id,
)
from commands.i18n import t

TIMEOUT = aiohttp.ClientTimeout(total=30)
FORM = "application/x-www-form-urlencoded"


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends: X-Slack-Request-Timestamp and X-Slack-Signature (v0)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def _post(playground: Playground, base: str, body: str) -> tuple[int, Any]:
    secret = playground.container().settings.slack.signing_secret.get_secret_value()
    headers = {"Content-Type": FORM, **sign(secret, body)}
    url = base + "/slack/events"
    async with playground.http().post(url, data=body.encode(), headers=headers, timeout=TIMEOUT) as response:
        raw = await response.read()
        if not raw:
            return response.status, None
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")[:3000]


def _user_fields(user: DemoUser) -> dict[str, Any]:
    return {"id": slack_user_id(user), "username": user.key, "name": user.key, "team_id": SLACK_TEAM_ID}


def _notice(playground: Playground, user: DemoUser, channel: str, text: str) -> None:
    playground.hub.add(
        {
            "platform": SLACK,
            "conversation": channel,
            "audience": user.key,
            "sender": "system",
            "text": text,
            "blocks": [],
            "ephemeral": True,
        }
    )


def _answer(playground: Playground, user: DemoUser, channel: str, status: int, body: Any) -> None:
    """Show what the bot put in its HTTP answer (an ack with a message, or an error)."""
    if status >= 300:
        _notice(playground, user, channel, t(user.locale, "playground.bot_error", status=status))
    elif isinstance(body, dict) and (body.get("text") or body.get("blocks")):
        ephemeral = body.get("response_type") != "in_channel"
        playground.hub.add(bot_message(channel, user.key, body, ephemeral=ephemeral))
    elif isinstance(body, str) and body.strip():
        playground.hub.add(bot_message(channel, user.key, {"text": body}, ephemeral=True))


async def command(playground: Playground, base: str, user: DemoUser, typed: str) -> dict[str, Any]:
    """`/chatops help`, `/ping`, or plain `help` (sent as /chatops help)."""
    typed = typed.strip()
    name, _, text = typed.partition(" ") if typed.startswith("/") else ("/chatops", "", typed)
    channel = slack_dm_channel(user)
    playground.hub.add(
        {
            "platform": SLACK,
            "conversation": channel,
            "audience": user.key,
            "sender": "user",
            "text": f"{name} {text}".strip(),
            "blocks": [],
            "ephemeral": True,
        }
    )
    if name not in slash_commands(playground.container().services.registry):
        _notice(playground, user, channel, t(user.locale, "playground.unknown_slash", command=name))
        return {"status": 404}
    origin = SlackOrigin(user.key, channel)
    form = {
        "token": "playground",
        "team_id": SLACK_TEAM_ID,
        "team_domain": SLACK_TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": "directmessage",
        "user_id": slack_user_id(user),
        "user_name": user.key,
        "command": name,
        "text": text.strip(),
        "api_app_id": SLACK_APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"{base}{RESPONSE_PREFIX}/{playground.response_urls.issue(origin)}",
        "trigger_id": playground.triggers.issue(origin),
    }
    status, body = await _post(playground, base, urllib.parse.urlencode(form))
    _answer(playground, user, channel, status, body)
    return {"status": status}


def find_element(blocks: list[Any], action_id: str) -> tuple[dict[str, Any], str] | None:
    """The interactive element `action_id` of a message and its block_id."""
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        candidates = [*(block.get("elements") or []), block.get("accessory")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element, str(block.get("block_id") or f"b{index}")
    return None


async def click(
    playground: Playground, base: str, user: DemoUser, channel: str, ts: str, action_id: str
) -> dict[str, Any]:
    """A button click on a message the user can see: a signed block_actions payload."""
    message = playground.hub.find(SLACK, channel, ts)
    if message is None or message.get("audience") not in ("", user.key):
        return {"status": 404}
    found = find_element(message.get("blocks") or [], action_id)
    if found is None:
        return {"status": 404}
    element, block_id = found
    ephemeral = bool(message.get("ephemeral"))
    origin = SlackOrigin(user.key, channel, ts, ephemeral)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_fields(user),
        "api_app_id": SLACK_APP_ID,
        "token": "playground",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
        "trigger_id": playground.triggers.issue(origin),
        "team": {"id": SLACK_TEAM_ID, "domain": SLACK_TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "state": {"values": {}},
        "response_url": f"{base}{RESPONSE_PREFIX}/{playground.response_urls.issue(origin)}",
        "actions": [{**element, "block_id": block_id, "action_ts": f"{time.time():.6f}"}],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": SLACK_BOT_USER_ID,
            "bot_id": SLACK_BOT_ID,
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
            "ts": ts,
        }
    status, body = await _post(playground, base, urllib.parse.urlencode({"payload": json.dumps(payload)}))
    _answer(playground, user, channel, status, body)
    return {"status": status}


async def submit(
    playground: Playground, base: str, user: DemoUser, view_id: str, values: dict[str, str]
) -> dict[str, Any]:
    """A modal's Submit: view_submission with `view.state.values`; returns the bot's field errors."""
    found = playground.views.get(view_id)
    if found is None or found[0].user != user.key:
        return {"status": 404}
    origin, view = found
    state: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if isinstance(block, dict) else None
        if isinstance(element, dict) and block.get("type") == "input":
            typed = str(values.get(str(block.get("block_id")), ""))
            state[str(block["block_id"])] = {
                str(element.get("action_id")): {"type": element.get("type"), "value": typed}
            }
    payload = {
        "type": "view_submission",
        "team": {"id": SLACK_TEAM_ID, "domain": SLACK_TEAM_DOMAIN},
        "user": _user_fields(user),
        "api_app_id": SLACK_APP_ID,
        "token": "playground",
        "trigger_id": playground.triggers.issue(origin),
        "view": {**view, "id": view_id, "state": {"values": state}},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    status, body = await _post(playground, base, urllib.parse.urlencode({"payload": json.dumps(payload)}))
    errors = (
        body.get("errors") if isinstance(body, dict) and body.get("response_action") == "errors" else None
    )
    if status >= 300:
        _notice(playground, user, origin.channel, t(user.locale, "playground.bot_error", status=status))
    if not errors:
        playground.views.drop(view_id)
    return {"status": status, "errors": errors or {}}
