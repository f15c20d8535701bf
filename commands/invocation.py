"""Who asked what, where: the neutral shape of an inbound command or button click."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    TEAMS = "teams"
    SLACK = "slack"


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP = "group"


@dataclass(frozen=True)
class Caller:
    """The chat user. `user_id` is the platform's id (Teams `from.id`, Slack `U…`)."""

    platform: Platform
    user_id: str
    tenant_id: str = ""
    name: str = ""
    aad_object_id: str = ""
    email: str = ""
    locale: str = "ko"


@dataclass(frozen=True)
class Conversation:
    platform: Platform
    id: str
    kind: ConversationKind = ConversationKind.PERSONAL
    tenant_id: str = ""


@dataclass(frozen=True)
class Invocation:
    """A command typed by a user: `name` is the canonical command, `args` the rest of the text."""

    caller: Caller
    conversation: Conversation
    name: str
    args: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class ActionInvocation:
    """A button click: `values` came back from the card, `inputs` are what the user typed."""

    caller: Caller
    conversation: Conversation
    action: str
    values: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    request_id: str = ""
    message_id: str = ""
