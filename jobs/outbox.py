"""OutboxService: the core's `Outbox` port. Renders the neutral reply with the platform's renderer
(injected by the composition root, so the core never imports one) and stores it, once per key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from commands.cards import Reply
from commands.errors import ConfigurationError, NotFound
from commands.invocation import Platform
from commands.ports.clock import Clock
from commands.ports.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    MessageRef,
    OutboundMessage,
    OutboxRepository,
)
from commands.ports.targets import TargetRepository

Renderer = Callable[[Reply, str], dict[str, Any]]  # (reply, locale) -> the platform's message JSON
REPLY_TO_KEY = "key:"  # reply_to prefix: "update the message that this delivery key posts"


@dataclass(frozen=True)
class _Route:
    conv_key: str
    target_id: int | None = None
    tenant_id: str = ""
    person_user: str | None = None
    reply_to: str | None = None


class OutboxService:
    """Implements commands.ports.outbox.Outbox. `subscribe(fn)` calls `fn()` after every new row
    (the in-process worker wakes up at once instead of at its next poll)."""

    def __init__(
        self,
        repo: OutboxRepository,
        targets: TargetRepository,
        renderers: Mapping[Platform, Renderer],
        clock: Clock,
    ) -> None:
        self._repo = repo
        self._targets = targets
        self._renderers = dict(renderers)
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def enqueue(self, message: OutboundMessage) -> bool:
        """Render and store the message; False when its delivery key exists already (a no-op)."""
        if message.reply.ephemeral:
            raise ValueError("an ephemeral reply cannot be delivered proactively")
        renderer = self._renderers.get(message.platform)
        if renderer is None:
            raise ConfigurationError(f"no renderer for {message.platform.value}: is it enabled?")
        route = await self._route(message)
        now = self._clock.now()
        due = max(now, message.not_before) if message.not_before else now
        row = Delivery(
            id=0,
            delivery_key=message.delivery_key,
            platform=message.platform,
            kind=message.kind,
            status=DeliveryStatus.PENDING,
            payload=renderer(message.reply, message.locale),
            conv_key=route.conv_key,
            tenant_id=route.tenant_id or message.tenant_id,
            target_id=route.target_id,
            person_user=route.person_user,
            reply_to=route.reply_to,
            locale=message.locale,
        )
        added = await self._repo.add(row, due=due)
        if added:
            for listener in self._listeners:
                listener()
        return added

    async def delivered_ref(self, delivery_key: str) -> MessageRef | None:
        """Where this key's message went, once sent."""
        row = await self._repo.by_key(delivery_key)
        if row is None or row.status is not DeliveryStatus.SENT:
            return None
        if row.target_id is None or not row.platform_message_id:
            return None
        return MessageRef(row.platform, row.target_id, row.platform_message_id)

    async def cancel(self, delivery_key: str) -> bool:
        """Withdraw a message that is still pending."""
        return await self._repo.cancel(delivery_key, "cancelled by the application", self._clock.now())

    async def _route(self, message: OutboundMessage) -> _Route:
        if message.kind is DeliveryKind.UPDATE:
            return await self._update_route(message.update_of)
        if message.target_id is not None:
            return _Route(conv_key=target_key(message.target_id), target_id=message.target_id)
        person = message.person
        assert person is not None  # OutboundMessage guarantees a target or a person
        known = await self._targets.personal_for(person.platform, person.tenant_id, person.user_id)
        if known is not None and known.id is not None:
            return _Route(conv_key=target_key(known.id), target_id=known.id, tenant_id=person.tenant_id)
        return _Route(
            conv_key=f"p:{person.platform.value}:{person.tenant_id}:{person.user_id}",
            tenant_id=person.tenant_id,
            person_user=person.user_id,
        )

    async def _update_route(self, of: MessageRef | str | None) -> _Route:
        if isinstance(of, MessageRef):
            return _Route(conv_key=target_key(of.target_id), target_id=of.target_id, reply_to=of.message_id)
        original = await self._repo.by_key(str(of))
        if original is None:
            raise NotFound(f"no delivery with key {of!r} to update")
        if original.status is DeliveryStatus.SENT and original.target_id and original.platform_message_id:
            return _Route(
                conv_key=target_key(original.target_id),
                target_id=original.target_id,
                reply_to=original.platform_message_id,
            )
        # Not delivered yet: queue behind it in the same conversation; the worker looks it up.
        return _Route(
            conv_key=original.conv_key,
            target_id=original.target_id,
            tenant_id=original.tenant_id,
            reply_to=REPLY_TO_KEY + original.delivery_key,
        )


def target_key(target_id: int) -> str:
    """The ordering key of a known conversation."""
    return f"t:{target_id}"
