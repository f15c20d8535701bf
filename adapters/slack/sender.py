"""Proactive Slack delivery: the outbox's Sender on the Web API (chat.postMessage / chat.update,
conversations.open for DMs), with Slack's error codes mapped to the outbox's outcomes.

The worker's client has no retry handlers (`build_worker_client`): a 429 must come back to the worker,
which pauses that channel in its limiter and moves on to other conversations, instead of the SDK
sleeping Retry-After inside a send slot; transient failures are retried by the outbox with backoff,
visibly (attempts, last_error), rather than twice over. The interactive client built by
adapters/slack/routes.build_client keeps its rate-limit retry handler.

Duplicates: chat.postMessage has no idempotency key. Every post carries message metadata with a
digest of its delivery key; when a row comes back after a crashed worker's lease (`recovered`) and
`check_history` is on (needs the *:history scopes), the recent history of the channel is searched for
that digest first, so a message Slack already accepted is recorded instead of posted again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import render_message
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

METADATA_EVENT = "chatops_delivery"
_GONE = {
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "account_inactive",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
}
_TRANSIENT = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
}


def render_payload(reply: Reply, locale: str) -> dict[str, Any]:
    """`{"text", "blocks"}` for chat.postMessage / chat.update (what the outbox stores)."""
    return render_message(reply, locale=locale)


def build_worker_client(token: str, base_url: str, *, timeout: float = 15.0) -> AsyncWebClient:
    """An AsyncWebClient without retry handlers, for the delivery worker (see the module docstring)."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=int(timeout), retry_handlers=[])


def delivery_digest(delivery_key: str) -> str:
    """What the message metadata carries instead of the key itself (keys may name employees)."""
    return hashlib.sha256(delivery_key.encode()).hexdigest()[:32]


class SlackSender:
    """Implements commands.ports.outbox.Sender for Slack. Call `aclose()` at shutdown."""

    def __init__(
        self, client: AsyncWebClient, *, check_history: bool = False, history_depth: int = 50
    ) -> None:
        self._client = client
        self._check_history = check_history
        self._depth = history_depth
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        """Close the kept-alive HTTP session (opened on first use)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _keep_alive(self) -> None:
        """Without a session slack-sdk opens (and closes) one per call: a new connection each time."""
        if self._client.session is None or self._client.session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._client.timeout))
            self._client.session = self._session

    async def send(self, delivery: Delivery, target: Target) -> SendResult:
        """chat.postMessage into the target's channel, or chat.update of message `reply_to`."""
        self._keep_alive()
        channel = target.conversation_id
        payload = {k: v for k, v in delivery.payload.items() if k in ("text", "blocks")}
        try:
            if delivery.kind is DeliveryKind.UPDATE:
                response = await self._client.chat_update(
                    channel=channel, ts=delivery.reply_to or "", **payload
                )
                return SendResult(str(response.get("ts") or delivery.reply_to or ""))
            if delivery.recovered and self._check_history:
                found = await self._already_posted(channel, delivery)
                if found:
                    return SendResult(found)
            metadata = {
                "event_type": METADATA_EVENT,
                "event_payload": {"delivery": delivery_digest(delivery.delivery_key)},
            }
            response = await self._client.chat_postMessage(channel=channel, metadata=metadata, **payload)
            return SendResult(str(response.get("ts") or ""))
        except Exception as exc:
            raise _mapped(exc, delivery.kind) from exc

    async def open_personal(self, person: Person, hint: Target | None) -> Target:
        """conversations.open with the user: the DM channel (D…), created if needed."""
        self._keep_alive()
        try:
            response = await self._client.conversations_open(users=person.user_id)
        except Exception as exc:
            raise _mapped(exc, DeliveryKind.POST) from exc
        channel = response.get("channel") or {}
        channel_id = str(channel.get("id") or "") if isinstance(channel, dict) else ""
        if not channel_id:
            raise TransientFailure("conversations.open returned no channel")
        return Target(
            platform=Platform.SLACK,
            tenant_id=person.tenant_id,
            conversation_id=channel_id,
            kind=ConversationKind.PERSONAL,
            user_id=person.user_id,
            reference={"team_id": person.tenant_id, "channel_id": channel_id, "user_id": person.user_id},
        )

    async def _already_posted(self, channel: str, delivery: Delivery) -> str | None:
        """The ts of this delivery's message if the channel's recent history has it; None when it is not
        there or the history cannot be read (then posting again is the lesser evil)."""
        # Posted after it was enqueued; a minute of slack for clock skew between us and Slack.
        oldest = f"{delivery.created_at.timestamp() - 60:.6f}" if delivery.created_at else None
        try:
            response = await self._client.conversations_history(
                channel=channel, limit=self._depth, include_all_metadata=True, oldest=oldest
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError):
            return None
        digest = delivery_digest(delivery.delivery_key)
        for message in response.get("messages") or []:
            meta = message.get("metadata") if isinstance(message, dict) else None
            if isinstance(meta, dict) and (meta.get("event_payload") or {}).get("delivery") == digest:
                return str(message.get("ts") or "") or None
        return None


def _mapped(exc: BaseException, kind: DeliveryKind) -> DeliveryFailed:
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, SlackApiError):
        return _from_api_error(exc, kind)
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return TransientFailure(f"slack unreachable: {type(exc).__name__}")
    return TransientFailure(f"slack call failed: {type(exc).__name__}")


def _from_api_error(exc: SlackApiError, kind: DeliveryKind) -> DeliveryFailed:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error", "") if isinstance(data, dict) else "")
    reason = f"slack {status} {error}".strip()
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(response), reason)
    if error in _GONE:
        return TargetGone(reason)
    if status >= 500 or error in _TRANSIENT:
        return TransientFailure(reason)
    return PermanentFailure(reason)


def _retry_after(response: Any, default: float = 1.0) -> float:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After", headers.get("retry-after"))
    try:
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default
