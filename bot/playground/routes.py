"""The page at /playground and the JSON/SSE API its front end (playground/, built into static/) calls.

GET  /playground                        the page
GET  /playground/api/config             labels (catalogue, ko + en), commands, which platforms work
GET  /playground/api/users              demo employees
GET  /playground/api/history            ?platform=&user= the transcript so far
GET  /playground/api/events             ?platform=&user= Server-Sent Events: message/update/delete/modal
POST /playground/api/teams/messages     {user, text}
POST /playground/api/teams/invoke       {user, messageId, attachment, verb, data}
POST /playground/api/slack/commands     {user, text}
POST /playground/api/slack/actions      {user, channel, ts, actionId}
POST /playground/api/slack/views        {user, viewId, values: {block_id: text}}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from adapters.slack.app import slash_commands
from bot.playground import slack_client, teams_client
from bot.playground.state import PLAYGROUND, Playground, own_base
from bot.playground.users import (
    DemoUser,
    slack_dm_channel,
    slack_user_id,
    teams_conversation_id,
    teams_user_id,
)
from bot.settings_playground import uses_playground_slack
from commands.i18n import CATALOG

STATIC = Path(__file__).parent / "static"
PLATFORMS = ("teams", "slack")
MAX_TEXT = 4000
KEEPALIVE_SECONDS = 15.0
CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data: https:",
        "style-src 'self' 'unsafe-inline'",
        "frame-ancestors 'none'",
    )
)


def add_browser_routes(app: web.Application) -> None:
    app.router.add_get("/playground", _page)
    app.router.add_get("/playground/", _page)
    app.router.add_static("/playground/static", STATIC, append_version=False)
    app.router.add_get("/playground/api/config", _config)
    app.router.add_get("/playground/api/users", _users)
    app.router.add_get("/playground/api/history", _history)
    app.router.add_get("/playground/api/events", _events)
    app.router.add_post("/playground/api/teams/messages", _teams_message)
    app.router.add_post("/playground/api/teams/invoke", _teams_invoke)
    app.router.add_post("/playground/api/slack/commands", _slack_command)
    app.router.add_post("/playground/api/slack/actions", _slack_action)
    app.router.add_post("/playground/api/slack/views", _slack_view)


async def _page(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(STATIC / "index.html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = CSP
    return response


def slack_status(playground: Playground) -> str:
    """'' when the playground can drive Slack, else why not (a catalogue key)."""
    settings = playground.container().settings
    if uses_playground_slack(settings):
        return ""
    return "playground.slack_real" if settings.slack.enabled else "playground.slack_off"


async def _config(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    registry = playground.container().services.registry
    labels = {
        key.removeprefix("playground."): dict(texts)
        for key, texts in CATALOG.items()
        if key.startswith("playground.")
    }
    commands = [
        {
            "name": c.name,
            "usage": dict(CATALOG.get(c.usage_key, {})),
            "description": dict(CATALOG.get(c.description_key, {})),
        }
        for c in registry.commands
        if not c.hidden
    ]
    slack_reason = slack_status(playground)
    return web.json_response(
        {
            "labels": labels,
            "commands": commands,
            "slashCommands": slash_commands(registry),
            "platforms": {
                "teams": {"ready": True, "reason": ""},
                "slack": {"ready": not slack_reason, "reason": slack_reason.removeprefix("playground.")},
            },
        }
    )


async def _users(request: web.Request) -> web.Response:
    users = await request.app[PLAYGROUND].users()
    return web.json_response(
        [{**u.public(), "teamsId": teams_user_id(u), "slackId": slack_user_id(u)} for u in users]
    )


async def _who(request: web.Request, key: str) -> DemoUser:
    user = await request.app[PLAYGROUND].user(key)
    if user is None:
        raise web.HTTPNotFound(reason="no such demo user")
    return user


def _platform(request: web.Request) -> str:
    platform = request.query.get("platform", "")
    if platform not in PLATFORMS:
        raise web.HTTPBadRequest(reason="platform must be teams or slack")
    return platform


def conversations_of(user: DemoUser, platform: str) -> set[str]:
    return {teams_conversation_id(user)} if platform == "teams" else {slack_dm_channel(user)}


async def _history(request: web.Request) -> web.Response:
    platform, user = _platform(request), await _who(request, request.query.get("user", ""))
    hub = request.app[PLAYGROUND].hub
    return web.json_response(hub.history(platform, user.key, conversations_of(user, platform)))


def visible(event: dict[str, Any], platform: str, user: DemoUser) -> bool:
    if event.get("type") == "modal":
        return event.get("platform") == platform and event.get("audience") == user.key
    message = event.get("message") or {}
    if message.get("platform") != platform:
        return False
    mine = message.get("audience") == user.key and message.get("conversation") in conversations_of(
        user, platform
    )
    return mine or message.get("audience") == ""


async def _events(request: web.Request) -> web.StreamResponse:
    platform, user = _platform(request), await _who(request, request.query.get("user", ""))
    hub = request.app[PLAYGROUND].hub
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if event is None:
                break
            if visible(event, platform, user):
                await response.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
    except (ConnectionResetError, ConnectionError):
        pass  # the browser went away
    finally:
        hub.unsubscribe(queue)
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


async def _json(request: web.Request) -> dict[str, Any]:
    """The body of a browser POST: JSON only, same origin only (no cross-site form posts)."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="expected application/json")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(reason="cross-origin request")
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(reason="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body is not a JSON object")
    return body


def _text(body: dict[str, Any], key: str, limit: int = 200) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise web.HTTPBadRequest(reason=f"{key} must be a string")
    return value[:limit]


async def _teams_message(request: web.Request) -> web.Response:
    body = await _json(request)
    user, text = await _who(request, _text(body, "user")), _text(body, "text", MAX_TEXT).strip()
    if not text:
        raise web.HTTPBadRequest(reason="empty message")
    result = await teams_client.send_text(request.app[PLAYGROUND], own_base(request), user, text)
    return web.json_response(result)


async def _teams_invoke(request: web.Request) -> web.Response:
    body = await _json(request)
    user, data = await _who(request, _text(body, "user")), body.get("data")
    attachment = body.get("attachment", 0)
    if not isinstance(data, dict) or not isinstance(attachment, int):
        raise web.HTTPBadRequest(reason="data must be an object and attachment an index")
    result = await teams_client.execute(
        request.app[PLAYGROUND],
        own_base(request),
        user,
        _text(body, "messageId"),
        attachment,
        _text(body, "verb", 100),
        data,
    )
    return web.json_response(result)


async def _slack_ready(request: web.Request) -> Playground:
    playground = request.app[PLAYGROUND]
    if slack_status(playground):
        raise web.HTTPConflict(reason="the playground cannot drive this Slack configuration")
    return playground


async def _slack_command(request: web.Request) -> web.Response:
    playground, body = await _slack_ready(request), await _json(request)
    user, text = await _who(request, _text(body, "user")), _text(body, "text", MAX_TEXT).strip()
    if not text:
        raise web.HTTPBadRequest(reason="empty command")
    return web.json_response(await slack_client.command(playground, own_base(request), user, text))


async def _slack_action(request: web.Request) -> web.Response:
    playground, body = await _slack_ready(request), await _json(request)
    user = await _who(request, _text(body, "user"))
    result = await slack_client.click(
        playground,
        own_base(request),
        user,
        _text(body, "channel"),
        _text(body, "ts"),
        _text(body, "actionId", 255),
    )
    return web.json_response(result, status=404 if result["status"] == 404 else 200)


async def _slack_view(request: web.Request) -> web.Response:
    playground, body = await _slack_ready(request), await _json(request)
    user, values = await _who(request, _text(body, "user")), body.get("values")
    if not isinstance(values, dict):
        raise web.HTTPBadRequest(reason="values must be an object")
    typed = {str(k): str(v)[:3000] for k, v in values.items()}
    result = await slack_client.submit(playground, own_base(request), user, _text(body, "viewId"), typed)
    return web.json_response(result, status=404 if result["status"] == 404 else 200)
