"""Where the bot can speak: durable conversation references for proactive messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from commands.invocation import ConversationKind, Platform


@dataclass(frozen=True)
class Target:
    """A conversation the bot can post into.

    `reference` is the adapter's opaque serialized reference (Teams ConversationReference with
    serviceUrl and tenant; Slack team/channel); the core never looks inside it.
    `user_id` is set for 1:1 chats, so a person's DM can be found.
    """

    platform: Platform
    tenant_id: str
    conversation_id: str
    kind: ConversationKind
    user_id: str = ""
    reference: dict[str, Any] = field(default_factory=dict)
    active: bool = True
    inactive_reason: str = ""
    id: int | None = None
    updated_at: datetime | None = None


class TargetRepository(Protocol):
    async def upsert(self, target: Target) -> Target:
        """Insert or update by (platform, tenant_id, conversation_id); re-activates the target."""
        ...

    async def get(self, target_id: int) -> Target | None: ...

    async def find(self, platform: Platform, tenant_id: str, conversation_id: str) -> Target | None: ...

    async def personal_for(self, platform: Platform, tenant_id: str, user_id: str) -> Target | None:
        """The active 1:1 conversation with a user, if known."""
        ...

    async def deactivate(self, target_id: int, reason: str) -> None:
        """Mark the target unusable (bot removed, not_in_channel, user gone)."""
        ...

    async def list(self, *, platform: Platform | None = None, active: bool | None = None) -> list[Target]: ...
