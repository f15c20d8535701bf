"""Neutral card model: the vocabulary both Teams (Adaptive Cards) and Slack (Block Kit) can show.

Text is plain by default; `Text(markdown=True)` allows the small subset **bold**, _italic_, `code`
and [label](https://url) that both renderers translate. Renderers escape everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

NO_VALUES: Mapping[str, str] = MappingProxyType({})


def frozen_values(values: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy: a card is a value, so changing the dict it was built from changes nothing."""
    return MappingProxyType(dict(values)) if values else NO_VALUES


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


class Tone(StrEnum):
    """Colour hint for text and facts (good/bad KPI, status)."""

    DEFAULT = "default"
    GOOD = "good"
    WARNING = "warning"
    ATTENTION = "attention"
    SUBTLE = "subtle"


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Text:
    text: str
    markdown: bool = False
    tone: Tone = Tone.DEFAULT
    size: str = "default"  # "default" | "small" | "large"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    tone: Tone = Tone.DEFAULT


@dataclass(frozen=True)
class Facts:
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Image:
    url: str
    alt: str


@dataclass(frozen=True)
class TextInput:
    """A text field; its value arrives in `ActionInvocation.inputs[id]`."""

    id: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    required: bool = False
    max_length: int = 500


@dataclass(frozen=True)
class Button:
    """A button that routes to the registered action `action`.

    `values` travel through the platform and come back on click; they are never trusted for
    anything but identifying what was clicked. `url` makes it a link button instead.
    `inputs` names TextInputs that must be filled before the click is sent (Slack asks in a modal).
    """

    label: str
    action: str = ""
    values: Mapping[str, str] = field(default_factory=lambda: NO_VALUES)
    style: Style = Style.DEFAULT
    url: str = ""
    inputs: tuple[TextInput, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", frozen_values(self.values))


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class ChartPoint:
    x: str
    y: float


@dataclass(frozen=True)
class Chart:
    """Teams renders an Adaptive Card chart; Slack falls back to `fallback` text."""

    kind: str  # "line" | "bar"
    title: str
    points: tuple[ChartPoint, ...]
    fallback: str


Element: TypeAlias = Header | Text | Facts | Divider | Image | TextInput | Actions | Chart


@dataclass(frozen=True)
class Card:
    """An ordered list of elements plus the plain-text summary used for notifications."""

    summary: str
    elements: tuple[Element, ...]
    # Teams: users who get a personalised refresh (Action.Execute refresh.userIds).
    refresh_action: str = ""
    refresh_values: Mapping[str, str] = field(default_factory=lambda: NO_VALUES)
    refresh_user_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "refresh_values", frozen_values(self.refresh_values))


@dataclass(frozen=True)
class Reply:
    """What a command answers: plain text, cards, or both."""

    text: str = ""
    cards: tuple[Card, ...] = ()
    ephemeral: bool = False

    @classmethod
    def of(cls, card: Card, *, ephemeral: bool = False) -> Reply:
        return cls(text=card.summary, cards=(card,), ephemeral=ephemeral)
