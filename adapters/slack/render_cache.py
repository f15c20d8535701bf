"""A bounded cache of rendered Slack messages, keyed on everything that decides the rendering.

Rendering is pure (adapters/slack/render.py): the same reply in the same locale always gives the same
message, and the catalogue's `render.*` texts never change once imported. So a reply that equals one
rendered before can reuse that rendering. `message_key` builds the key from the reply's values: the
card elements are frozen dataclasses compared field by field; the fields where equal values of
different types would render differently (button values and keys, which become JSON; an input's
max_length; chart points, of which only real numbers are drawn) must have exactly the declared type,
and a reply holding anything else (an unknown element type, a subclass) is simply not cached.
A hit is a fresh copy, so a caller may change the message it gets.
"""

from __future__ import annotations

import marshal
import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

from commands.cards import (
    Actions,
    Button,
    Card,
    Chart,
    Divider,
    Element,
    Facts,
    Header,
    Image,
    Reply,
    Text,
    TextInput,
)

_BY_VALUE = frozenset({Header, Text, Facts, Divider, Image, TextInput})
_NUMBERS = (int, float)
MAX_BYTES = 64 * 1024  # larger renderings are not kept

K = TypeVar("K")
V = TypeVar("V")


class _Unfit(Exception):
    """The reply holds something whose equality does not pin down its rendering."""


class MessageKey:
    """A reply's rendering inputs as a hashable value, hashed once."""

    __slots__ = ("_hash", "_parts")

    def __init__(self, parts: tuple[object, ...]) -> None:
        self._parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MessageKey) and self._hash == other._hash and self._parts == other._parts


def message_key(reply: Reply, locale: str) -> MessageKey | None:
    """The cache key of `reply` rendered in `locale`, or None when the reply must not be cached.

    Left out on purpose: `Reply.ephemeral` and the cards' Teams refresh fields (the Slack message
    does not depend on them)."""
    try:
        cards = tuple(map(_card_key, reply.cards))
        return MessageKey((locale, reply.text, cards))
    except (_Unfit, TypeError):  # TypeError: something unhashable inside an element
        return None


def _card_key(card: Card) -> tuple[object, ...]:
    return (card.summary, tuple(map(_element_key, card.elements)))


def _element_key(element: Element) -> object:
    if type(element) in _BY_VALUE:
        return element
    if type(element) is Actions:
        return (Actions, tuple(map(_button_key, element.buttons)))
    if type(element) is Chart:
        for point in element.points:
            if type(point.y) not in _NUMBERS:
                raise _Unfit
        return element
    raise _Unfit


def _button_key(button: Button) -> tuple[object, ...]:
    if type(button) is not Button:
        raise _Unfit
    values = tuple(button.values.items())
    for name, value in values:
        if type(name) is not str or type(value) is not str:
            raise _Unfit
    for spec in button.inputs:
        if type(spec) is not TextInput or type(spec.max_length) is not int:
            raise _Unfit
    return (button.label, button.action, values, button.style, button.url, button.inputs)


class BoundedLru(Generic[K, V]):
    """At most `size` entries, least recently used out first; safe to share between threads."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("cache size must be positive")
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class MessageCache:
    """Rendered messages by MessageKey; one whose serialised form is over `max_bytes` is not kept."""

    def __init__(self, size: int = 256, max_bytes: int = MAX_BYTES) -> None:
        self._entries: BoundedLru[MessageKey, bytes] = BoundedLru(size)
        self._max_bytes = max_bytes

    def get(self, key: MessageKey) -> dict[str, Any] | None:
        """A fresh copy of the message rendered for `key`, or None."""
        data = self._entries.get(key)
        if data is None:
            return None
        # only ever bytes this process made with marshal.dumps above, never outside input
        message: dict[str, Any] = marshal.loads(data)  # noqa: S302
        return message

    def put(self, key: MessageKey, message: dict[str, Any]) -> None:
        try:
            data = marshal.dumps(message)
        except ValueError:  # not plain JSON-like data: nothing to keep
            return
        if len(data) <= self._max_bytes:
            self._entries.put(key, data)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
