"""Proactive delivery: the outbox the core enqueues into, and the ports the delivery worker runs on.

The core asks for a message to be delivered (`Outbox.enqueue`) and never waits for the platform: a
worker (jobs/delivery.py) claims due rows, sends them through a platform `Sender`, and records the
outcome. A `delivery_key` makes enqueueing idempotent: the same key twice is one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from commands.cards import Reply
from commands.errors import ChatOpsError
from commands.invocation import Platform
from commands.ports.targets import Target


class DeliveryKind(StrEnum):
    POST = "post"
    UPDATE = "update"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Person:
    """Someone to reach 1:1; resolved into their personal conversation at send time (opened if needed).
    `user_id` is the platform's id (Teams `29:…` or AAD object id, Slack `U…`)."""

    platform: Platform
    tenant_id: str
    user_id: str


@dataclass(frozen=True)
class MessageRef:
    """A delivered message: where it is (target) and its platform id (Teams activity id, Slack ts)."""

    platform: Platform
    target_id: int
    message_id: str


@dataclass(frozen=True)
class OutboundMessage:
    """A platform-neutral request to deliver `reply`. Build it with `to_target`, `to_person` or
    `update`; `delivery_key` (≤255 chars, e.g. "approval:123:v4:approver:E1001") is unique."""

    delivery_key: str
    platform: Platform
    reply: Reply
    kind: DeliveryKind = DeliveryKind.POST
    target_id: int | None = None
    person: Person | None = None
    update_of: MessageRef | str | None = None  # a delivered message, or the delivery key that posts it
    locale: str = "ko"
    not_before: datetime | None = None
    tenant_id: str = ""  # the target's tenant/workspace, so busy tenants can be skipped when claiming

    def __post_init__(self) -> None:
        if not self.delivery_key or len(self.delivery_key) > 255:
            raise ValueError("delivery_key must be 1..255 characters")
        if self.kind is DeliveryKind.POST and (self.target_id is None) == (self.person is None):
            raise ValueError("a post goes to exactly one of target_id or person")
        if self.kind is DeliveryKind.UPDATE and self.update_of is None:
            raise ValueError("an update needs update_of")
        if self.person is not None and self.person.platform is not self.platform:
            raise ValueError("person is on another platform")

    @classmethod
    def to_target(cls, target: Target, reply: Reply, *, key: str, locale: str = "ko") -> OutboundMessage:
        """Post into a known conversation (channel, group chat or 1:1)."""
        if target.id is None:
            raise ValueError("the target must be stored first")
        return cls(
            key, target.platform, reply, target_id=target.id, locale=locale, tenant_id=target.tenant_id
        )

    @classmethod
    def to_person(cls, person: Person, reply: Reply, *, key: str, locale: str = "ko") -> OutboundMessage:
        """Post 1:1 to a person, opening the conversation if the bot never talked to them."""
        return cls(key, person.platform, reply, person=person, locale=locale, tenant_id=person.tenant_id)

    @classmethod
    def update(
        cls,
        of: MessageRef | str,
        reply: Reply,
        *,
        key: str,
        platform: Platform | None = None,
        locale: str = "ko",
    ) -> OutboundMessage:
        """Replace a delivered message (card refresh). `of` is its MessageRef, or the delivery key of the
        post that delivers it (then give `platform`; the update waits in order behind that post)."""
        if isinstance(of, MessageRef):
            platform = of.platform
        if platform is None:
            raise ValueError("an update of a delivery key needs the platform")
        return cls(key, platform, reply, kind=DeliveryKind.UPDATE, update_of=of, locale=locale)


class Outbox(Protocol):
    """What the core uses to reach people proactively."""

    async def enqueue(self, message: OutboundMessage) -> bool:
        """Store the message for delivery; False (and nothing changes) when its key already exists."""
        ...

    async def delivered_ref(self, delivery_key: str) -> MessageRef | None:
        """Where the message of this key was delivered, once it was; None before that or if it never was."""
        ...

    async def cancel(self, delivery_key: str) -> bool:
        """Withdraw a message not sent yet; True when it was still pending."""
        ...


# --- the worker side --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One outbox row as the worker and the operator see it. `payload` is the platform's rendered
    message JSON; `reply_to` the platform id of the message an update replaces (or "key:<delivery key>");
    `recovered` is True when the row was claimed again after another worker's lease ran out."""

    id: int
    delivery_key: str
    platform: Platform
    kind: DeliveryKind
    status: DeliveryStatus
    payload: dict[str, Any]
    conv_key: str
    tenant_id: str = ""
    target_id: int | None = None
    person_user: str | None = None
    reply_to: str | None = None
    locale: str = "ko"
    attempts: int = 0
    throttled: int = 0
    recovered: bool = False
    last_error: str = ""
    platform_message_id: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    target: Target | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SendResult:
    """The platform accepted the message: its id (Teams activity id, Slack ts)."""

    message_id: str


class DeliveryFailed(ChatOpsError):
    """A send did not go through; the subclass says what the worker should do about it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


class RateLimited(DeliveryFailed):
    """429: try again after `retry_after` seconds; not a failed attempt."""

    def __init__(self, retry_after: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason} (retry after {retry_after:g}s)")
        self.retry_after = max(0.0, retry_after)


class TransientFailure(DeliveryFailed):
    """5xx, 412, timeouts, connection trouble: retry with backoff."""


class TargetGone(DeliveryFailed):
    """The conversation or person cannot be reached any more (bot removed, not_in_channel, user gone)."""


class PermanentFailure(DeliveryFailed):
    """The platform refused this message (bad payload, message to update is gone): never retry."""


class Sender(Protocol):
    """One platform's way of delivering rendered messages. Raises the DeliveryFailed subclasses."""

    async def send(self, delivery: Delivery, target: Target) -> SendResult:
        """Post `delivery.payload` into `target`, or (kind update) replace message `delivery.reply_to`."""
        ...

    async def open_personal(self, person: Person, hint: Target | None) -> Target:
        """The 1:1 conversation with `person`, created on the platform when needed (not stored yet).
        `hint` is another conversation of the same tenant, for routing (Teams serviceUrl, bot id)."""
        ...


class OutboxRepository(Protocol):
    """The outbox table, as the outbox service, the delivery worker and the operator CLI use it.
    Every write the worker makes after a claim is guarded by its lease (`worker_id`), except mark_sent:
    a message the platform accepted is a fact, whoever learns it."""

    async def add(self, delivery: Delivery, *, due: datetime) -> bool:
        """Insert a pending row (its id is ignored); False when the delivery key exists already."""
        ...

    async def by_key(self, delivery_key: str) -> Delivery | None: ...

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: float,
        limit: int,
        *,
        skip_tenants: Sequence[tuple[Platform, str]] = (),
        per_tenant: int | None = None,
    ) -> list[Delivery]:
        """Lease up to `limit` due rows, each the oldest unfinished row of its conversation, with their
        targets loaded; rows whose lease ran out are claimable again. Rows of `skip_tenants` (whose
        rate limit is booked up for now) are left for later, and no tenant gets more than `per_tenant`."""
        ...

    async def mark_sent(self, row_id: int, message_id: str, now: datetime) -> None: ...

    async def mark_sent_many(self, sent: Sequence[tuple[int, str]], now: datetime) -> None:
        """mark_sent for several (row id, platform message id) in one transaction."""
        ...

    async def retry_later(
        self, row_id: int, worker_id: str, at: datetime, error: str, *, failed: bool, throttled: bool
    ) -> bool:
        """Back to pending until `at`; `failed` counts an attempt, `throttled` a rate-limit deferral."""
        ...

    async def kill(self, row_id: int, worker_id: str, reason: str, now: datetime) -> bool:
        """Dead-letter the row (no more attempts)."""
        ...

    async def set_target(self, row_id: int, worker_id: str, target_id: int) -> None:
        """Remember the conversation a person's message resolved to."""
        ...

    async def cancel_for_target(self, target_id: int, reason: str, now: datetime) -> int:
        """Cancel every pending row for the target; how many were cancelled."""
        ...

    async def cancel(self, delivery_key: str, reason: str, now: datetime) -> bool: ...

    async def tenant_sample(self, platform: Platform, tenant_id: str) -> Target | None:
        """Some active conversation of the tenant (routing hints for opening a new 1:1)."""
        ...
