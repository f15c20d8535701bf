"""Proactive Teams delivery: the outbox's Sender on the Bot Connector, with CloudAdapter's credentials.

Posts (send_to_conversation) and updates (update_activity) go out on a ConnectorClient that the
CloudAdapter's connector factory builds once per serviceUrl (so the SDK's credentials and token cache
are used), addressed with the stored ConversationReference exactly as `continue_conversation` would,
but as a new message rather than a reply to a random id, and without a new client per message. A 1:1
with someone who never talked to the bot is opened with `create_conversation`. Bot Connector errors are
mapped to the outbox's outcomes: 429 → RateLimited (Retry-After), 403 and a missing conversation →
TargetGone, 408/412/5xx/connection trouble → TransientFailure, any other 4xx → PermanentFailure.

Duplicates: the Bot Connector v3 API documents no idempotency key or header (the SDK clears the
activity id before sending; the service assigns ids), and it offers no query for a conversation's recent
messages (Microsoft Graph could, with chat-read permissions this bot does not ask for). So a worker that
dies between the accepted POST and mark-sent makes exactly that message go out twice; the worker
narrows the window by marking the row sent right after this call returns.
"""

from __future__ import annotations

import contextlib
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError

from adapters.teams.render import escape_markdown, render_reply
from commands.cards import Reply
from commands.invocation import ConversationKind, Platform
from commands.ports.outbox import (
    Delivery,
    DeliveryFailed,
    DeliveryKind,
    PermanentFailure,
    Person,
    RateLimited,
    SendResult,
    TargetGone,
    TransientFailure,
)
from commands.ports.targets import Target

TEAMS_CHANNEL = "msteams"
_GONE_CODES = ("ConversationNotFound", "BotNotInConversationRoster", "ConversationBlockedByUser")


def render_payload(reply: Reply, locale: str) -> dict[str, Any]:
    """The message activity for `reply`, as JSON (what the outbox stores), shaped like a reply."""
    attachments = [
        Attachment(content_type=a["contentType"], content=a["content"])
        for a in render_reply(reply, locale=locale)
    ]
    if len(attachments) > 1:
        message = MessageFactory.carousel(attachments)
    elif attachments:
        message = MessageFactory.attachment(attachments[0])
    else:
        message = MessageFactory.text(escape_markdown(reply.text))
    if attachments and reply.text:
        message.summary = reply.text[:200]
    payload: dict[str, Any] = message.serialize()
    return payload


class TeamsSender:
    """Implements commands.ports.outbox.Sender for Teams. `app_id` is the bot's Microsoft App ID
    ("" in local mode); `service_url` routes new 1:1 chats when no conversation of the tenant is known
    (e.g. "https://smba.trafficmanager.net/teams/"). Call `aclose()` at shutdown."""

    def __init__(
        self, adapter: CloudAdapter, app_id: str, *, service_url: str, timeout: float = 20.0
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._service_url = service_url
        self._timeout = timeout
        self._clients: dict[str, ConnectorClient] = {}

    async def send(self, delivery: Delivery, target: Target) -> SendResult:
        """Post the stored activity into the target's conversation, or replace message `reply_to`."""
        reference = ConversationReference().deserialize(target.reference)
        reference.activity_id = None  # a new message, not a reply to whatever we last heard there
        conversation = reference.conversation
        if conversation is None or not conversation.id or not reference.service_url:
            raise PermanentFailure("the stored conversation reference is incomplete")
        if not conversation.tenant_id:
            # botbuilder maps tenant_id to "tenantID", so a reference stored from Teams' "tenantId" lacks it.
            conversation.tenant_id = target.tenant_id or target.reference.get("tenantId")
        activity = TurnContext.apply_conversation_reference(
            Activity().deserialize({**delivery.payload, "type": "message"}), reference
        )
        activity.id = None
        try:
            client = await self._client(reference.service_url)
            if delivery.kind is DeliveryKind.UPDATE:
                activity.id = delivery.reply_to
                await client.conversations.update_activity(conversation.id, delivery.reply_to, activity)
                return SendResult(delivery.reply_to or "")
            response = await client.conversations.send_to_conversation(conversation.id, activity)
        except Exception as exc:
            raise _mapped(exc, delivery.kind) from exc
        return SendResult(str(getattr(response, "id", "") or ""))

    async def open_personal(self, person: Person, hint: Target | None) -> Target:
        """Create the 1:1 conversation with `person` (Teams returns the existing one if there is one)."""
        hint_ref = hint.reference if hint is not None else {}
        service_url = str(hint_ref.get("serviceUrl") or self._service_url)
        bot = ChannelAccount().deserialize(hint_ref["bot"]) if hint_ref.get("bot") else None
        bot = bot or ChannelAccount(id=f"28:{self._app_id}")
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=person.user_id)],
            tenant_id=person.tenant_id,
            channel_data={"tenant": {"id": person.tenant_id}},
        )
        try:
            client = await self._client(service_url)
            created = await client.conversations.create_conversation(parameters)
        except Exception as exc:
            raise _mapped(exc, DeliveryKind.POST) from exc
        if created is None or not created.id:
            raise TransientFailure("create_conversation returned no conversation")
        reference = ConversationReference(
            bot=bot,
            user=ChannelAccount(id=person.user_id),
            conversation=ConversationAccount(
                id=created.id, conversation_type="personal", tenant_id=person.tenant_id, is_group=False
            ),
            channel_id=TEAMS_CHANNEL,
            service_url=created.service_url or service_url,
        )
        serialized: dict[str, Any] = reference.serialize()
        serialized["tenantId"] = person.tenant_id
        return Target(
            platform=Platform.TEAMS,
            tenant_id=person.tenant_id,
            conversation_id=str(created.id),
            kind=ConversationKind.PERSONAL,
            user_id=person.user_id,
            reference=serialized,
        )

    async def aclose(self) -> None:
        """Close the pooled connections."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)

    async def _client(self, service_url: str) -> ConnectorClient:
        """One ConnectorClient per serviceUrl, built by the adapter's connector factory (its credentials)
        and kept: a new client per message costs msrest ~8 ms of CPU and a new connection. No hidden
        retries in msrest/urllib3: the worker retries with its own backoff and limiter."""
        client = self._clients.get(service_url)
        if client is None:
            claims = self._adapter.create_claims_identity(self._app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            client.config.retry_policy.retries = 0
            client.config.connection.timeout = self._timeout
            self._clients[service_url] = client
        return client


def _mapped(exc: BaseException, kind: DeliveryKind) -> DeliveryFailed:
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, ErrorResponseException):
        return _from_status(exc, kind)
    if isinstance(exc, ClientRequestError | OSError | TimeoutError):
        return TransientFailure(f"bot connector unreachable: {type(exc).__name__}")
    return TransientFailure(f"bot connector call failed: {type(exc).__name__}")


def _from_status(exc: ErrorResponseException, kind: DeliveryKind) -> DeliveryFailed:
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    code = _error_code(exc)
    reason = f"bot connector {status} {code}".strip()
    if status == 429:
        return RateLimited(_retry_after(response), reason)
    if status == 403 or code in _GONE_CODES:
        return TargetGone(reason)
    if status == 404:
        # A missing conversation is gone; a missing message (update) is just this delivery's problem.
        return PermanentFailure(reason) if kind is DeliveryKind.UPDATE else TargetGone(reason)
    if status in (401, 408, 412) or status >= 500 or status == 0:
        return TransientFailure(reason)
    return PermanentFailure(reason)


def _error_code(exc: ErrorResponseException) -> str:
    error = getattr(getattr(exc, "error", None), "error", None)
    return str(getattr(error, "code", "") or "")


def _retry_after(response: Any, default: float = 1.0) -> float:
    headers = getattr(response, "headers", None) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", default)))
    except (TypeError, ValueError):
        return default
