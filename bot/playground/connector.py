"""The playground's Bot Connector: what the bot calls at serviceUrl for Teams conversations.

POST v3/conversations                          create a 1:1 (proactive messages to a demo user)
POST v3/conversations/{id}/activities          send to a conversation
POST v3/conversations/{id}/activities/{aid}    reply to an activity
PUT  v3/conversations/{id}/activities/{aid}    update (e.g. an approval card for everyone)
DELETE v3/conversations/{id}/activities/{aid}  delete
GET  v3/conversations/{id}/members[/{uid}]     the roster (name, email) of a demo user
Messages land in the hub and are pushed to the browser.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.playground.state import PLAYGROUND, Playground
from bot.playground.users import DemoUser, teams_account, teams_conversation_id, teams_user_id

PREFIX = "/playground/connector"
TEAMS = "teams"
_KEEP = ("text", "textFormat", "attachments", "attachmentLayout", "summary", "importance")


def add_connector_routes(app: web.Application) -> None:
    base = PREFIX + "/v3/conversations"
    app.router.add_post(base, _create_conversation)
    app.router.add_post(base + "/{conversation}/activities", _send)
    app.router.add_post(base + "/{conversation}/activities/{activity}", _send)
    app.router.add_put(base + "/{conversation}/activities/{activity}", _update)
    app.router.add_delete(base + "/{conversation}/activities/{activity}", _delete)
    app.router.add_get(base + "/{conversation}/members", _members)
    app.router.add_get(base + "/{conversation}/members/{member}", _member)
    app.router.add_get(base + "/{conversation}/pagedmembers", _paged_members)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        raise web.HTTPBadRequest(reason="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body is not a JSON object")
    return body


async def audience_of(playground: Playground, conversation: str) -> DemoUser | None:
    """The demo user whose 1:1 this is; None for a group or channel conversation (shown to all)."""
    return next((u for u in await playground.users() if teams_conversation_id(u) == conversation), None)


def bot_message(conversation: str, audience: str, activity: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {key: activity[key] for key in _KEEP if activity.get(key) is not None}
    message.update(platform=TEAMS, conversation=conversation, audience=audience, sender="bot")
    message.setdefault("text", "")
    message.setdefault("attachments", [])
    return message


async def _create_conversation(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    body = await _body(request)
    members = body.get("members") or []
    member_id = members[0].get("id") if members and isinstance(members[0], dict) else None
    user = next((u for u in await playground.users() if teams_user_id(u) == member_id), None)
    if user is None or body.get("isGroup"):
        return _error(404, "MemberNotFound", "the playground only opens 1:1 chats with its demo users")
    conversation = teams_conversation_id(user)
    answer: dict[str, Any] = {"id": conversation}
    activity = body.get("activity")
    if isinstance(activity, dict) and activity.get("type", "message") == "message":
        answer["activityId"] = playground.hub.add(bot_message(conversation, user.key, activity))["id"]
    return web.json_response(answer, status=201)


async def _send(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    conversation = request.match_info["conversation"]
    activity = await _body(request)
    if activity.get("type") != "message":  # typing indicators and the like: acknowledged, not shown
        return web.json_response({"id": playground.hub.new_id()})
    user = await audience_of(playground, conversation)
    message = bot_message(conversation, user.key if user else "", activity)
    message["replyToId"] = request.match_info.get("activity", "")
    return web.json_response({"id": playground.hub.add(message)["id"]}, status=201)


async def _update(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    conversation, activity_id = request.match_info["conversation"], request.match_info["activity"]
    activity = await _body(request)
    changes = {key: activity.get(key) for key in _KEEP if key in activity}
    changes.setdefault("attachments", [])
    if playground.hub.update(TEAMS, conversation, activity_id, **changes) is None:
        return _error(404, "ActivityNotFound", "no such activity in this conversation")
    return web.json_response({"id": activity_id})


async def _delete(request: web.Request) -> web.Response:
    playground = request.app[PLAYGROUND]
    if not playground.hub.delete(TEAMS, request.match_info["conversation"], request.match_info["activity"]):
        return _error(404, "ActivityNotFound", "no such activity in this conversation")
    return web.Response(status=200)


async def _roster(request: web.Request) -> list[DemoUser]:
    user = await audience_of(request.app[PLAYGROUND], request.match_info["conversation"])
    return [user] if user else await request.app[PLAYGROUND].users()


async def _members(request: web.Request) -> web.Response:
    return web.json_response([teams_account(u) for u in await _roster(request)])


async def _paged_members(request: web.Request) -> web.Response:
    return web.json_response({"members": [teams_account(u) for u in await _roster(request)]})


async def _member(request: web.Request) -> web.Response:
    wanted = request.match_info["member"]
    for user in await _roster(request):
        if wanted in (teams_user_id(user), teams_account(user)["aadObjectId"]):
            return web.json_response(teams_account(user))
    return _error(404, "MemberNotFoundInConversation", "not a member of this conversation")
