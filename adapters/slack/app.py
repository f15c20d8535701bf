"""The Bolt app: slash commands -> commands, block_actions / modals -> actions.

Slack wants an ack within 3 s. The app runs with `process_before_response=True`: Bolt answers the HTTP
request when a listener returns, instead of polling for the ack every 10 ms from a second task. So every
listener acks and returns quickly and leaves slow work to a task of its own (`_after_ack`):
- a command whose handler answers within ACK_BUDGET is answered in the ack itself; a slower one is acked
  with 'working…' and answered through response_url when done;
- a click or a modal submission is acked at once and handled after the ack.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Coroutine
from typing import Any

from loguru import logger
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after_ack import AfterAck
from adapters.slack.mapping import conversation_of, target_of, text_field
from adapters.slack.profiles import SlackProfiles
from adapters.slack.render import (
    decode_action,
    is_link_click,
    read_modal_inputs,
    render_input_modal,
    render_keyed,
    render_message,
)
from adapters.slack.render_cache import MAX_BYTES, BoundedLru, MessageKey, message_key
from commands.cards import Button, Reply
from commands.context import ActionResult
from commands.dispatch import Dispatcher
from commands.errors import ChatOpsError
from commands.i18n import t
from commands.invocation import ActionInvocation, Caller, Conversation
from commands.ports.targets import Target, TargetRepository
from commands.registry import Registry

ACK_BUDGET = 1.2  # seconds; leaves headroom under Slack's 3 s when the process is busy
UMBRELLA = "/chatops"
MODAL_CALLBACK = "chatops.inputs"
ACK_BODIES_KEPT = 128
Answer = tuple[Reply, str]  # a command's reply and the locale to render it in


def slash_commands(registry: Registry) -> list[str]:
    """The umbrella command plus every command that asked for its own slash command."""
    return [UMBRELLA, *(f"/{c.name}" for c in registry.commands if c.slash)]


class SlackListeners:
    def __init__(
        self,
        dispatcher: Dispatcher,
        targets: TargetRepository,
        profiles: SlackProfiles,
        registry: Registry,
        *,
        ack_budget: float = ACK_BUDGET,
    ) -> None:
        self._dispatcher = dispatcher
        self._targets = targets
        self._profiles = profiles
        self._registry = registry
        self._ack_bodies: BoundedLru[tuple[MessageKey, str], str] = BoundedLru(ACK_BODIES_KEPT)
        self._ack_budget = ack_budget
        self._after = AfterAck()

    def register(self, app: AsyncApp) -> None:
        for command in slash_commands(self._registry):
            app.command(command)(self.on_command)
        app.action(re.compile(r".+"))(self.on_action)
        app.view_submission(MODAL_CALLBACK)(self.on_modal_submit)
        app.error(self.on_error)

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: Any
    ) -> None:
        command = text_field(body, "command", 64)
        text = text_field(body, "text")
        if command != UMBRELLA:
            text = f"{command.lstrip('/')} {text}"
        team_id, channel_id = text_field(body, "team_id", 64), text_field(body, "channel_id", 64)
        user_id, channel_name = text_field(body, "user_id", 64), text_field(body, "channel_name", 128)
        if not (team_id and channel_id and user_id):
            await ack(text="bad request")
            return
        user_name = text_field(body, "user_name", 128)
        target = target_of(team_id, channel_id, user_id, channel_name)
        conversation = conversation_of(team_id, channel_id, channel_name)
        request_id = str(context.get("request_id", ""))
        # everything that may wait (the user's profile, the channel's record, the command) is in the budget
        task = asyncio.ensure_future(
            self._command(user_id, user_name, target, conversation, text, request_id)
        )
        if await finished_within(task, self._ack_budget):
            reply, locale = task.result()
            await self._ack_reply(ack, reply, locale)
            return
        locale = self._profiles.known_locale(team_id, user_id)
        await ack(text=t(locale, "slack.working"), response_type="ephemeral")
        self._after_ack(self._respond_when_done(task, respond))

    async def _command(
        self,
        user_id: str,
        user_name: str,
        target: Target,
        conversation: Conversation,
        text: str,
        request_id: str,
    ) -> Answer:
        """The command's reply and the locale to render it in."""
        caller = await self._profiles.caller(target.tenant_id, user_id, user_name)
        try:
            await self._targets.upsert(target)
        except ChatOpsError as exc:  # the answer matters more; the next command records the channel
            logger.warning("slack channel not recorded: {}", type(exc).__name__)
        return await self._dispatcher.handle_text(caller, conversation, text, request_id), caller.locale

    async def _respond_when_done(self, task: asyncio.Future[Answer], respond: AsyncRespond) -> None:
        reply, locale = await task
        await respond(**self._message(reply, locale))

    async def on_action(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: Any,
    ) -> None:
        await ack()
        if not is_link_click(action):  # a link button: Slack opened the URL
            self._after_ack(self._act(body, action, respond, client, str(context.get("request_id", ""))))

    async def _act(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        request_id: str,
    ) -> None:
        action_id, values = decode_action(action)
        caller, conversation, message_ts = await self._click_origin(body)
        invocation = ActionInvocation(caller, conversation, action_id, values, {}, request_id, message_ts)
        result = await self._dispatcher.handle_action(invocation)
        if result.ask:
            metadata = json.dumps(
                {
                    "a": action_id,
                    "v": values,
                    "c": conversation.id,
                    "ts": message_ts,
                    "ru": text_field(body, "response_url", 500),
                },
                ensure_ascii=False,
            )
            label = str((action.get("text") or {}).get("text", action_id))
            view = render_input_modal(
                Button(label, action_id, values, inputs=result.ask),
                locale=caller.locale,
                private_metadata=metadata,
            )
            await client.views_open(trigger_id=text_field(body, "trigger_id", 500), view=view)
            return
        responder = respond if text_field(body, "response_url", 500) else None  # none outside messages
        await self._deliver(result, caller.locale, client, responder, body, conversation.id, message_ts)

    async def on_modal_submit(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: Any,
    ) -> None:
        inputs = read_modal_inputs(view)
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        if not isinstance(meta, dict) or not isinstance(meta.get("a"), str):
            await ack()
            return
        await ack()
        self._after_ack(self._submit(body, meta, inputs, client, str(context.get("request_id", ""))))

    async def _submit(
        self,
        body: dict[str, Any],
        meta: dict[str, Any],
        inputs: dict[str, str],
        client: AsyncWebClient,
        request_id: str,
    ) -> None:
        caller, conversation, _ = await self._click_origin(body, channel_id=str(meta.get("c", "")))
        values = {str(k): str(v) for k, v in (meta.get("v") or {}).items()}
        message_ts = str(meta.get("ts", ""))
        invocation = ActionInvocation(caller, conversation, meta["a"], values, inputs, request_id, message_ts)
        result = await self._dispatcher.handle_action(invocation)
        response_url = str(meta.get("ru") or "")
        origin = {"container": {"is_ephemeral": not message_ts}, "user": {"id": caller.user_id}}
        # a view_submission carries no response_url: answer through the clicked message's one, if any
        responder = AsyncRespond(response_url=response_url) if response_url else None
        await self._deliver(result, caller.locale, client, responder, origin, conversation.id, message_ts)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        logger.opt(exception=error).error("slack listener failed")

    def _after_ack(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the listener returned (and Bolt sent the ack)."""
        self._after.start(work)

    async def drain(self, grace: float) -> None:
        """Let work started after an ack finish; what outlasts `grace` seconds is cancelled."""
        await self._after.drain(grace)

    async def _click_origin(self, body: dict[str, Any], channel_id: str = "") -> tuple[Caller, Any, str]:
        user, team = _obj(body, "user"), _obj(body, "team")
        channel, container = _obj(body, "channel"), _obj(body, "container")
        team_id = str(team.get("id") or user.get("team_id") or "")
        channel_id = channel_id or str(channel.get("id") or container.get("channel_id") or "")
        caller = await self._profiles.caller(team_id, str(user.get("id", "")), str(user.get("name", "")))
        message_ts = str(container.get("message_ts") or "")
        return caller, conversation_of(team_id, channel_id, str(channel.get("name", ""))), message_ts

    async def _deliver(
        self,
        result: ActionResult,
        locale: str,
        client: AsyncWebClient,
        respond: AsyncRespond | None,
        body: dict[str, Any],
        channel_id: str,
        message_ts: str,
    ) -> None:
        container = _obj(body, "container")
        user_id = str(_obj(body, "user").get("id", ""))
        ephemeral = bool(container.get("is_ephemeral")) or not message_ts
        if result.update is not None:
            message = render_message(Reply.of(result.update), locale=locale)
            if not ephemeral:
                await client.chat_update(channel=channel_id, ts=message_ts, **message)
            elif respond is not None:
                await respond(replace_original=True, **message)
        if result.reply is not None:
            reply = self._message(result.reply, locale)
            if respond is not None:
                await respond(replace_original=False, **reply)
            else:
                reply.pop("response_type", None)
                await client.chat_postMessage(channel=channel_id, **reply)
        if result.notice:
            if respond is not None:
                await respond(text=result.notice, response_type="ephemeral", replace_original=False)
            elif channel_id and user_id:
                await client.chat_postEphemeral(channel=channel_id, user=user_id, text=result.notice)

    async def _ack_reply(self, ack: AsyncAck, reply: Reply, locale: str) -> None:
        """Answer in the ack. The HTTP body Bolt made for an equal reply is reused as it is: same
        bytes, without rendering and JSON-encoding the message again (help, answered all day long)."""
        key = message_key(reply, locale)
        if key is None:
            await ack(**self._message(reply, locale))
            return
        ack_key = (key, _response_type(reply))
        body = self._ack_bodies.get(ack_key)
        if body is not None:
            ack.response = BoltResponse(status=200, body=body)
            return
        response = await ack(**self._message(reply, locale, key))
        if response.status == 200 and len(response.body) <= MAX_BYTES:
            self._ack_bodies.put(ack_key, response.body)

    @staticmethod
    def _message(reply: Reply, locale: str, key: MessageKey | None = None) -> dict[str, Any]:
        message = (
            render_keyed(reply, locale, key) if key is not None else render_message(reply, locale=locale)
        )
        message["response_type"] = _response_type(reply)
        return message


async def finished_within(task: asyncio.Future[Any], seconds: float) -> bool:
    """Whether `task` finished within `seconds`; it runs on either way. `asyncio.wait` for one task,
    without the sets and callbacks it keeps for many (this runs for every slash command)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = loop.call_later(seconds, wake)
    task.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        task.remove_done_callback(wake)
    return task.done()


def _response_type(reply: Reply) -> str:
    return "ephemeral" if reply.ephemeral else "in_channel"


def _obj(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}
