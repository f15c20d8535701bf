"""Slack payloads -> neutral Conversation / Target."""

from __future__ import annotations

from typing import Any

from commands.invocation import Conversation, ConversationKind, Platform
from commands.ports.targets import Target


def kind_of(channel_id: str, channel_name: str = "") -> ConversationKind:
    if channel_name == "directmessage" or channel_id.startswith("D"):
        return ConversationKind.PERSONAL
    if channel_name == "mpdm" or channel_name.startswith("mpdm-"):
        return ConversationKind.GROUP
    return ConversationKind.CHANNEL


def conversation_of(team_id: str, channel_id: str, channel_name: str = "") -> Conversation:
    return Conversation(Platform.SLACK, channel_id, kind_of(channel_id, channel_name), team_id)


def target_of(team_id: str, channel_id: str, user_id: str, channel_name: str = "") -> Target:
    kind = kind_of(channel_id, channel_name)
    reference: dict[str, Any] = {"team_id": team_id, "channel_id": channel_id}
    if kind is ConversationKind.PERSONAL:
        reference["user_id"] = user_id
    return Target(
        platform=Platform.SLACK,
        tenant_id=team_id,
        conversation_id=channel_id,
        kind=kind,
        user_id=user_id if kind is ConversationKind.PERSONAL else "",
        reference=reference,
    )


def text_field(body: dict[str, Any], key: str, limit: int = 4000) -> str:
    value = body.get(key)
    return value[:limit] if isinstance(value, str) else ""
