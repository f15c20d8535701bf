"""Where a claimed outbox row goes: its stored conversation, a person's 1:1 (opened on the platform
and stored the first time), and for an update queued behind its post, the message id to replace."""

from __future__ import annotations

from dataclasses import replace

from commands.ports.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    OutboxRepository,
    PermanentFailure,
    Person,
    Sender,
    TransientFailure,
)
from commands.ports.targets import Target, TargetRepository
from jobs.outbox import REPLY_TO_KEY


class Resolver:
    """Resolves a row into (row with `reply_to`/`target_id` filled in, the conversation to send into)."""

    def __init__(self, outbox: OutboxRepository, targets: TargetRepository) -> None:
        self._outbox = outbox
        self._targets = targets

    async def resolve(self, delivery: Delivery, sender: Sender, worker_id: str) -> tuple[Delivery, Target]:
        """Raises PermanentFailure when there is nowhere to send, TransientFailure when the message to
        update is not out yet, and whatever `sender.open_personal` raises."""
        if delivery.kind is DeliveryKind.UPDATE and (delivery.reply_to or "").startswith(REPLY_TO_KEY):
            delivery = await self._original(delivery)
        target = delivery.target
        if target is None and delivery.target_id is not None:
            target = await self._targets.get(delivery.target_id)
        if target is None and delivery.person_user:
            target = await self._personal(delivery, sender, worker_id)
        if target is None or target.id is None:
            raise PermanentFailure("the conversation to send into is unknown")
        return delivery, target

    async def _original(self, delivery: Delivery) -> Delivery:
        """An update of a delivery key: the post it replaces must have been sent (it went first)."""
        original = await self._outbox.by_key((delivery.reply_to or "")[len(REPLY_TO_KEY) :])
        if original is None or original.status in (DeliveryStatus.DEAD, DeliveryStatus.CANCELLED):
            raise PermanentFailure("the message to update was never delivered")
        if original.status is not DeliveryStatus.SENT or original.target_id is None:
            raise TransientFailure("the message to update is not delivered yet")
        return replace(
            delivery, reply_to=original.platform_message_id, target_id=original.target_id, target=None
        )

    async def _personal(self, delivery: Delivery, sender: Sender, worker_id: str) -> Target:
        person = Person(delivery.platform, delivery.tenant_id, delivery.person_user or "")
        target = await self._targets.personal_for(person.platform, person.tenant_id, person.user_id)
        if target is None:
            hint = await self._outbox.tenant_sample(person.platform, person.tenant_id)
            target = await self._targets.upsert(await sender.open_personal(person, hint))
        if target.id is not None:
            await self._outbox.set_target(delivery.id, worker_id, target.id)
        return target
