"""The Teams activity handler: messages -> commands, Action.Execute -> actions, installs -> targets."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.schema import Activity, ActivityTypes, Attachment, InvokeResponse
from loguru import logger

from adapters.teams.mapping import conversation_of, target_of
from adapters.teams.profiles import TeamsProfiles
from adapters.teams.render import escape_markdown, render_card, render_reply
from commands.cards import Reply
from commands.context import ActionResult
from commands.dispatch import Dispatcher
from commands.invocation import ActionInvocation
from commands.ports.targets import TargetRepository

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
TURN_REQUEST_ID = "chatops.request_id"


class ChatOpsTeamsBot(ActivityHandler):
    def __init__(
        self, dispatcher: Dispatcher, targets: TargetRepository, profiles: TeamsProfiles, default_locale: str
    ) -> None:
        self._dispatcher = dispatcher
        self._targets = targets
        self._profiles = profiles
        self._default_locale = default_locale

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember_target(turn_context)
        await super().on_turn(turn_context)

    async def _remember_target(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not activity.conversation or not activity.service_url:
            return
        if activity.type == ActivityTypes.conversation_update and activity.members_removed:
            return  # on_members_removed_activity decides
        if activity.type == ActivityTypes.installation_update and activity.action in (
            "remove",
            "remove-upgrade",
        ):
            existing = await self._targets.find(*_key(activity))
            if existing and existing.id is not None:
                await self._targets.deactivate(existing.id, "bot uninstalled")
            return
        await self._targets.upsert(target_of(activity))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = activity.text or ""
        if not text.strip() and activity.value is not None:
            return  # a legacy Action.Submit; our cards use Action.Execute
        caller = await self._profiles.caller(turn_context)
        reply = await self._dispatcher.handle_text(
            caller, conversation_of(activity), text, _request_id(turn_context)
        )
        await send_reply(turn_context, reply, caller.locale)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        action = _execute_action(activity.value)
        if action is None:
            return _invoke_error(HTTPStatus.BAD_REQUEST, "BadRequest", "not an Action.Execute invoke")
        verb, data = action
        caller = await self._profiles.caller(turn_context)
        invocation = ActionInvocation(
            caller=caller,
            conversation=conversation_of(activity),
            action=verb,
            values=data,
            inputs=data,
            request_id=_request_id(turn_context),
            message_id=str(activity.reply_to_id or ""),
        )
        result = await self._dispatcher.handle_action(invocation)
        return await self._answer(turn_context, result, caller.locale)

    async def _answer(self, turn_context: TurnContext, result: ActionResult, locale: str) -> InvokeResponse:
        if result.reply is not None:
            await send_reply(turn_context, result.reply, locale)
        if result.update is not None:
            body = {
                "statusCode": 200,
                "type": ADAPTIVE_CARD,
                "value": render_card(result.update, locale=locale),
            }
        else:
            body = {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": result.notice,
            }
        return InvokeResponse(status=int(HTTPStatus.OK), body=body)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        logger.info("installed in conversation {}", turn_context.activity.conversation.id)

    async def on_members_added_activity(self, members_added: list[Any], turn_context: TurnContext) -> None:
        return None

    async def on_members_removed_activity(
        self, members_removed: list[Any], turn_context: TurnContext
    ) -> None:
        bot_id = getattr(turn_context.activity.recipient, "id", None)
        if bot_id and any(getattr(m, "id", None) == bot_id for m in members_removed):
            existing = await self._targets.find(*_key(turn_context.activity))
            if existing and existing.id is not None:
                await self._targets.deactivate(existing.id, "bot removed from conversation")


def _key(activity: Activity) -> tuple[Any, str, str]:
    conversation = conversation_of(activity)
    return conversation.platform, conversation.tenant_id, conversation.id


def _request_id(turn_context: TurnContext) -> str:
    return str(turn_context.turn_state.get(TURN_REQUEST_ID, "") or "")


def _execute_action(value: Any) -> tuple[str, dict[str, str]] | None:
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    verb = action.get("verb")
    if not isinstance(verb, str) or not verb:
        return None
    raw = action.get("data")
    data = (
        {str(k): str(v) for k, v in raw.items() if isinstance(v, str | int | float | bool)}
        if isinstance(raw, dict)
        else {}
    )
    data.pop("action", None)
    return verb[:100], data


def _invoke_error(status: HTTPStatus, code: str, message: str) -> InvokeResponse:
    body = {
        "statusCode": int(status),
        "type": "application/vnd.microsoft.error",
        "value": {"code": code, "message": message},
    }
    return InvokeResponse(status=int(status), body=body)


async def send_reply(turn_context: TurnContext, reply: Reply, locale: str) -> None:
    attachments = [
        Attachment(content_type=a["contentType"], content=a["content"])
        for a in render_reply(reply, locale=locale)
    ]
    if attachments:
        message: Activity = (
            MessageFactory.carousel(attachments)
            if len(attachments) > 1
            else MessageFactory.attachment(attachments[0])
        )
        message.summary = reply.text[:200] if reply.text else None
        await turn_context.send_activity(message)
    elif reply.text:
        await turn_context.send_activity(MessageFactory.text(escape_markdown(reply.text)))


def invoke_body(response: InvokeResponse) -> Any:
    """The invoke body, serialized once (CloudAdapter.process serializes twice: DESIGN.md)."""
    return serializer_helper(response.body) if hasattr(response.body, "serialize") else response.body
