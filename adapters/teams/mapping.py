"""Bot Framework Activity -> neutral Caller / Conversation / Target."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from commands.i18n import normalize_locale
from commands.invocation import Caller, Conversation, ConversationKind, Platform
from commands.ports.targets import Target

_KINDS = {"personal": ConversationKind.PERSONAL, "channel": ConversationKind.CHANNEL}


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    return str(tenant.get("id", "")) if isinstance(tenant, dict) else ""


def caller_of(activity: Activity, default_locale: str) -> Caller:
    sender = activity.from_property
    return Caller(
        platform=Platform.TEAMS,
        user_id=str(getattr(sender, "id", "") or ""),
        tenant_id=tenant_of(activity),
        name=str(getattr(sender, "name", "") or ""),
        aad_object_id=str(getattr(sender, "aad_object_id", "") or ""),
        locale=normalize_locale(activity.locale, default_locale),
    )


def conversation_of(activity: Activity) -> Conversation:
    conv = activity.conversation
    kind = _KINDS.get(str(getattr(conv, "conversation_type", "") or ""), ConversationKind.GROUP)
    if conv is not None and not conv.conversation_type:
        kind = ConversationKind.GROUP if conv.is_group else ConversationKind.PERSONAL
    return Conversation(Platform.TEAMS, str(getattr(conv, "id", "") or ""), kind, tenant_of(activity))


def target_of(activity: Activity) -> Target:
    """A durable reference for proactive messages (serviceUrl, tenant, conversation, bot)."""
    conversation = conversation_of(activity)
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    reference["tenantId"] = conversation.tenant_id
    user_id = str(getattr(activity.from_property, "id", "") or "")
    return Target(
        platform=Platform.TEAMS,
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        kind=conversation.kind,
        user_id=user_id if conversation.kind is ConversationKind.PERSONAL else "",
        reference=reference,
    )
