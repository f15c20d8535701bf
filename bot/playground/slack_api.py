"""The playground's Slack: a fake Web API (/playground/slack/api/{method}) and response_url endpoint.

The bot's slack-sdk client is pointed here by `playground_settings`; every call must carry the
playground's bot token, like Slack. Messages land in the hub and are pushed to the browser.
"""

from __future__ import annotations

import hmac
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.playground.state import PLAYGROUND, Playground, SlackOrigin
from bot.playground.users import (
    COMPANY,
    SLACK_BOT_ID,
    SLACK_BOT_USER_ID,
    SLACK_TEAM_ID,
    DemoUser,
    slack_dm_channel,
    slack_profile,
    slack_user_id,
)

API_PREFIX = "/playground/slack/api"
RESPONSE_PREFIX = "/playground/slack/response"
SLACK = "slack"
Body = dict[str, Any]
Method = Callable[[Playground, Body], Awaitable[Body]]


def add_slack_api_routes(app: web.Application) -> None:
    app.router.add_route("*", API_PREFIX + "/{method}", _api)
    app.router.add_post(RESPONSE_PREFIX + "/{token}", _response_url)


def ok(**fields: Any) -> Body:
    return {"ok": True, **fields}


def fail(error: str) -> Body:
    return {"ok": False, "error": error}


async def read_body(request: web.Request) -> Body:
    """JSON or form body (or query for GET), with JSON-in-form fields (blocks, view) decoded."""
    if request.method == "GET":
        body: Body = dict(request.query)
    elif request.content_type == "application/json":
        try:
            loaded = json.loads(await request.read() or b"{}")
        except ValueError:
            return {}
        body = loaded if isinstance(loaded, dict) else {}
    else:
        body = {k: v[-1] for k, v in urllib.parse.parse_qs((await request.read()).decode()).items()}
    for key in ("blocks", "view", "attachments"):
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                body[key] = []
    return body


async def _api(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    token = playground.settings.slack.bot_token.get_secret_value()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    body = await read_body(request)
    given = given or str(body.get("token", ""))
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return web.json_response(fail("invalid_auth"))
    method = METHODS.get(request.match_info["method"])
    if method is None:
        return web.json_response(fail("unknown_method"), status=404)
    return web.json_response(await method(playground, body))


async def _user_by(playground: Playground, **match: str) -> DemoUser | None:
    for user in await playground.users():
        if match.get("id") in (slack_user_id(user),) or match.get("email", "").lower() == user.email:
            return user
    return None


async def _owner(playground: Playground, channel: str) -> str:
    """The demo user whose DM `channel` is ("" for a shared channel)."""
    return next((u.key for u in await playground.users() if slack_dm_channel(u) == channel), "")


def bot_message(channel: str, audience: str, body: Body, *, ephemeral: bool = False) -> Body:
    blocks = body.get("blocks")
    return {
        "platform": SLACK,
        "conversation": channel,
        "audience": audience,
        "sender": "bot",
        "text": str(body.get("text") or ""),
        "blocks": blocks if isinstance(blocks, list) else [],
        "ephemeral": ephemeral,
    }


async def _auth_test(playground: Playground, body: Body) -> Body:
    return ok(
        team=COMPANY, team_id=SLACK_TEAM_ID, user="chatops", user_id=SLACK_BOT_USER_ID, bot_id=SLACK_BOT_ID
    )


async def _users_info(playground: Playground, body: Body) -> Body:
    user = await _user_by(playground, id=str(body.get("user", "")))
    return ok(user=slack_profile(user)) if user else fail("user_not_found")


async def _users_lookup_by_email(playground: Playground, body: Body) -> Body:
    user = await _user_by(playground, email=str(body.get("email", "")))
    return ok(user=slack_profile(user)) if user else fail("users_not_found")


async def _conversations_open(playground: Playground, body: Body) -> Body:
    ids = [i for i in str(body.get("users", "")).split(",") if i]
    users = [await _user_by(playground, id=i) for i in ids]
    if len(ids) != 1 or users[0] is None:
        return fail("user_not_found" if len(ids) == 1 else "not_supported_in_playground")
    return ok(channel={"id": slack_dm_channel(users[0]), "is_im": True})


async def _post_message(playground: Playground, body: Body) -> Body:
    channel = str(body.get("channel", ""))
    if not channel:
        return fail("channel_not_found")
    message = playground.hub.add(bot_message(channel, await _owner(playground, channel), body))
    return ok(channel=channel, ts=message["id"], message={"ts": message["id"], "text": message["text"]})


async def _post_ephemeral(playground: Playground, body: Body) -> Body:
    user = await _user_by(playground, id=str(body.get("user", "")))
    if user is None:
        return fail("user_not_in_channel")
    message = playground.hub.add(bot_message(str(body.get("channel", "")), user.key, body, ephemeral=True))
    return ok(message_ts=message["id"])


async def _update(playground: Playground, body: Body) -> Body:
    channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
    fresh = bot_message(channel, "", body)
    updated = playground.hub.update(SLACK, channel, ts, text=fresh["text"], blocks=fresh["blocks"])
    return ok(channel=channel, ts=ts, text=fresh["text"]) if updated else fail("message_not_found")


async def _delete(playground: Playground, body: Body) -> Body:
    channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
    return (
        ok(channel=channel, ts=ts) if playground.hub.delete(SLACK, channel, ts) else fail("message_not_found")
    )


async def _views_open(playground: Playground, body: Body) -> Body:
    found = playground.triggers.get(str(body.get("trigger_id", "")))
    view = body.get("view")
    if found is None:
        return fail("invalid_trigger_id")
    if not isinstance(view, dict) or view.get("type") != "modal":
        return fail("invalid_arguments")
    origin = found[0]
    playground.triggers.drop(str(body.get("trigger_id", "")))
    view_id = playground.views.issue(origin, view)
    opened = {**view, "id": view_id, "team_id": SLACK_TEAM_ID, "app_id": "APLAYGRND"}
    playground.hub.publish({"type": "modal", "platform": SLACK, "audience": origin.user, "view": opened})
    return ok(view=opened)


METHODS: dict[str, Method] = {
    "auth.test": _auth_test,
    "users.info": _users_info,
    "users.lookupByEmail": _users_lookup_by_email,
    "conversations.open": _conversations_open,
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.update": _update,
    "chat.delete": _delete,
    "views.open": _views_open,
}


async def _response_url(request: web.Request) -> web.Response:
    """Slack's response_url: replace/delete the clicked message, or post a new one."""
    playground = request.app[PLAYGROUND]
    found = playground.response_urls.get(request.match_info["token"])
    if found is None:
        return web.Response(status=404, text="expired_url")
    origin: SlackOrigin = found[0]
    body = await read_body(request)
    hub, channel, ts = playground.hub, origin.channel, origin.message_ts
    if _flag(body.get("delete_original")) and ts:
        hub.delete(SLACK, channel, ts)
    elif _flag(body.get("replace_original")) and ts:
        fresh = bot_message(channel, "", body)
        hub.update(SLACK, channel, ts, text=fresh["text"], blocks=fresh["blocks"])
    else:
        ephemeral = body.get("response_type") != "in_channel"
        audience = origin.user if ephemeral else await _owner(playground, channel)
        hub.add(bot_message(channel, audience, body, ephemeral=ephemeral))
    return web.Response(text="ok")


def _flag(value: Any) -> bool:
    return value is True or value == "true"
