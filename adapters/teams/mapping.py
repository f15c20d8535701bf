"""Bot Framework Activity -> neutral Caller / Conversation / Target."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from commands.i18n import normalize_locale
from commands.invocation import Caller, Conversation, ConversationKind, Platform
from commands.ports.targets import Target

_KINDS = {"personal": ConversationKind.PERSONAL, "channel": ConversationKind.CHANNEL}
_MAX_REFERENCES = 1024
# Teams names a channel's reply chain `<channel conversation id>;messageid=<root message id>`.
_REPLY_CHAIN = re.compile(r";messageid=.*\Z", re.IGNORECASE | re.DOTALL)


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


def without_reply_chain(conversation_id: str) -> str:
    """The channel's own conversation id for a message written in one of its reply threads. Sending
    to the thread's id replies in that thread; sending to the channel's id starts a new post."""
    return _REPLY_CHAIN.sub("", conversation_id) or conversation_id


def conversation_of(activity: Activity) -> Conversation:
    """The conversation a message came from: for a channel, the channel itself, whichever thread the
    message was written in (replies still go to the thread: they follow the activity, not this)."""
    conv = activity.conversation
    kind = _KINDS.get(str(getattr(conv, "conversation_type", "") or ""), ConversationKind.GROUP)
    if conv is not None and not conv.conversation_type:
        kind = ConversationKind.GROUP if conv.is_group else ConversationKind.PERSONAL
    conversation_id = without_reply_chain(str(getattr(conv, "id", "") or ""))
    return Conversation(Platform.TEAMS, conversation_id, kind, tenant_of(activity))


def target_of(activity: Activity) -> Target:
    """A durable reference for proactive messages (serviceUrl, tenant, conversation, bot). The
    incoming message's id is left out: a proactive message is never a reply to it (adapters/teams/
    sender.py), and without it the reference stays the same from one message to the next. For the
    same reason a channel's reference names the channel, not the reply thread the message was in."""
    conversation = conversation_of(activity)
    reference = TurnContext.get_conversation_reference(activity)  # copies of the activity's accounts
    if reference.conversation is not None and reference.conversation.id:
        reference.conversation.id = conversation.id
    serialized = _REFERENCES.serialized(reference)
    serialized["tenantId"] = conversation.tenant_id
    user_id = str(getattr(activity.from_property, "id", "") or "")
    return Target(
        platform=Platform.TEAMS,
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        kind=conversation.kind,
        user_id=user_id if conversation.kind is ConversationKind.PERSONAL else "",
        reference=serialized,
    )


class _SerializedReferences:
    """`ConversationReference.serialize()` without the activity id, remembered for the last references
    seen: msrest's serializer costs ~0.4 ms per reference, and a conversation's reference rarely changes.
    The key is the repr of every field the serializer reads (parsed JSON values: str, bool, None, dicts
    and lists of them), so equal keys mean equal output; a hit is a fresh copy."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def serialized(self, reference: ConversationReference) -> dict[str, Any]:
        reference.activity_id = None
        key = repr(
            [
                vars(part) if part is not None else None
                for part in (reference.user, reference.bot, reference.conversation)
            ]
            + [reference.channel_id, reference.locale, reference.service_url, reference.additional_properties]
        )
        with self._lock:
            stored = self._entries.get(key)
            if stored is not None:
                self._entries.move_to_end(key)
        if stored is not None:
            result: dict[str, Any] = json.loads(stored)
            return result
        serialized: dict[str, Any] = reference.serialize()
        with self._lock:
            self._entries[key] = json.dumps(serialized)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return serialized


_REFERENCES = _SerializedReferences(_MAX_REFERENCES)
