"""Caching of pure renderings (neutral card → Adaptive Card / Block Kit), shared by both adapters.

Rendering is a pure function of the card and the locale (the catalogue's `render.*` texts never change
once imported), so an equal card can reuse an earlier rendering. `element_key` turns a card element
into a hashable value field by field and insists on the exact declared type of every field: a `True`
where an `int` belongs, or `1` where a `float` was, is equal yet renders differently. Anything else (an
unknown element, a subclass, a plain string where an enum belongs) raises `Unfit`: not cached.
`RenderedCache` keeps renderings as marshal bytes, so every hit is a fresh copy a caller may change.
`elements_key` remembers a card's key for the card object itself: cards are values (frozen, and nothing
in one is changed after it is built), so a card built once and answered often (help) is walked once.
"""

from __future__ import annotations

import marshal
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from commands.cards import (
    Actions,
    Button,
    Card,
    Chart,
    Divider,
    Element,
    Fact,
    Facts,
    Header,
    Image,
    Style,
    Text,
    TextInput,
    Tone,
)

MAX_BYTES = 64 * 1024  # larger renderings are not kept
CARD_KEYS_KEPT = 256

K = TypeVar("K")
T = TypeVar("T")
V = TypeVar("V")


class Unfit(Exception):
    """The input holds something whose equality does not pin down its rendering."""


class RenderKey:
    """Rendering inputs as a hashable value, hashed once."""

    __slots__ = ("_hash", "_parts")

    def __init__(self, parts: tuple[object, ...]) -> None:
        self._parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RenderKey) and self._hash == other._hash and self._parts == other._parts


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


class RenderedCache:
    """Renderings (JSON-like dicts) by RenderKey; one serialised larger than `max_bytes` is not kept."""

    def __init__(self, size: int = 256, max_bytes: int = MAX_BYTES) -> None:
        self._entries: BoundedLru[RenderKey, bytes] = BoundedLru(size)
        self._max_bytes = max_bytes

    def get(self, key: RenderKey) -> dict[str, Any] | None:
        """A fresh copy of what was rendered for `key`, or None."""
        data = self._entries.get(key)
        if data is None:
            return None
        content: dict[str, Any] = marshal.loads(data)  # noqa: S302 - only bytes this cache wrote
        return content

    def rendered(self, key: RenderKey | None, render: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The cached rendering for `key`, or `render()` (kept for next time); no key: just render."""
        if key is None:
            return render()
        cached = self.get(key)
        if cached is not None:
            return cached
        content = render()
        self.put(key, content)
        return content

    def put(self, key: RenderKey, content: dict[str, Any]) -> None:
        try:
            data = marshal.dumps(content)
        except ValueError:  # not plain JSON-like data: nothing to keep
            return
        if len(data) <= self._max_bytes:
            self._entries.put(key, data)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_ELEMENTS = frozenset({Header, Text, Facts, Divider, Image, TextInput, Actions, Chart})
_CARD_KEYS: dict[int, tuple[weakref.ref[Card], RenderKey]] = {}
_CARD_KEYS_WRITE = threading.Lock()


def elements_key(card: Card) -> RenderKey:
    """`element_key` of each of the card's elements, as one key; raises Unfit. Remembered per card
    object (by identity, while it lives), so an interned card is walked once."""
    entry = _CARD_KEYS.get(id(card))
    if entry is not None and entry[0]() is card:
        with _CARD_KEYS_WRITE:  # recently used goes last: an often answered card stays
            _CARD_KEYS[id(card)] = _CARD_KEYS.pop(id(card), entry)
        return entry[1]
    key = RenderKey(tuple(map(element_key, _items(card.elements))))
    with _CARD_KEYS_WRITE:
        if len(_CARD_KEYS) >= CARD_KEYS_KEPT:
            del _CARD_KEYS[next(iter(_CARD_KEYS))]  # the oldest
        _CARD_KEYS[id(card)] = (weakref.ref(card), key)
    return key


def element_key(element: Element) -> tuple[object, ...]:
    """Everything about `element` that decides its rendering, with exact types; raises Unfit."""
    if type(element) not in _ELEMENTS:
        raise Unfit  # an unknown element or a subclass
    if isinstance(element, Header):
        return (Header, text(element.text))
    if isinstance(element, Text):
        return (Text, text(element.text), _bool(element.markdown), _tone(element.tone), text(element.size))
    if isinstance(element, Facts):
        return (Facts, tuple(_fact(f) for f in _items(element.facts)))
    if isinstance(element, Divider):
        return (Divider,)
    if isinstance(element, Image):
        return (Image, text(element.url), text(element.alt))
    if isinstance(element, TextInput):
        return _input(element)
    if isinstance(element, Actions):
        return (Actions, tuple(_button(b) for b in _items(element.buttons)))
    points = tuple((text(p.x), _number(p.y)) for p in _items(element.points))
    return (Chart, text(element.kind), text(element.title), points, text(element.fallback))


def _items(value: tuple[T, ...]) -> tuple[T, ...]:
    """`value` if it is exactly a tuple: a list in its place could change after it was keyed."""
    if type(value) is not tuple:
        raise Unfit
    return value


def text(value: object) -> str:
    """`value` if it is exactly a str; raises Unfit."""
    if type(value) is not str:
        raise Unfit
    return value


def text_dict(values: object) -> tuple[tuple[str, str], ...]:
    """A card's read-only mapping of str to str as a hashable value; raises Unfit."""
    if type(values) is not MappingProxyType:
        raise Unfit
    return tuple((text(k), text(v)) for k, v in values.items())


def _fact(fact: Fact) -> tuple[object, ...]:
    if type(fact) is not Fact:
        raise Unfit
    return (text(fact.label), text(fact.value), _tone(fact.tone))


def _input(spec: TextInput) -> tuple[object, ...]:
    if type(spec) is not TextInput or type(spec.max_length) is not int:
        raise Unfit
    return (
        TextInput,
        text(spec.id),
        text(spec.label),
        text(spec.placeholder),
        _bool(spec.multiline),
        _bool(spec.required),
        spec.max_length,
    )


def _button(button: Button) -> tuple[object, ...]:
    if type(button) is not Button or type(button.style) is not Style:
        raise Unfit
    return (
        text(button.label),
        text(button.action),
        text_dict(button.values),
        button.style,
        text(button.url),
        tuple(_input(i) for i in _items(button.inputs)),
    )


def _bool(value: object) -> bool:
    if type(value) is not bool:
        raise Unfit
    return value


def _tone(value: object) -> Tone:
    if type(value) is not Tone:
        raise Unfit
    return value


def _number(value: object) -> tuple[type, object]:
    kind = type(value)
    if kind is not int and kind is not float:
        raise Unfit
    return (kind, value)  # 1 and 1.0 are equal but become different JSON
