"""A bounded cache of rendered Adaptive Cards, keyed on everything that decides the rendering.

`render_card` (adapters/teams/render.py) is pure: the same card in the same locale always gives the same
JSON, and the catalogue's `render.*` texts never change once imported. `card_key` turns a card into a
hashable value field by field, and insists on the exact declared type of every field (a `True` where an
`int` belongs, or `1` where a `float` was, would be equal yet render differently); a card holding
anything else (an unknown element, a subclass, a plain string where an enum belongs) is not cached.
A hit is a fresh copy, so a caller may change the card it gets.
"""

from __future__ import annotations

import marshal
import threading
from collections import OrderedDict
from typing import Any

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


class _Unfit(Exception):
    """The card holds something whose equality does not pin down its rendering."""


class CardKey:
    """A card's rendering inputs as a hashable value, hashed once."""

    __slots__ = ("_hash", "_parts")

    def __init__(self, parts: tuple[object, ...]) -> None:
        self._parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CardKey) and self._hash == other._hash and self._parts == other._parts


def card_key(card: Card, locale: str) -> CardKey | None:
    """The cache key of `card` rendered in `locale`, or None when the card must not be cached."""
    try:
        if type(card) is not Card:
            raise _Unfit
        parts = (
            _str(locale),
            tuple(_element(e) for e in card.elements),
            _str(card.refresh_action),
            _str_dict(card.refresh_values),
            tuple(_str(u) for u in card.refresh_user_ids),
        )
        return CardKey(parts)
    except (_Unfit, TypeError, AttributeError):
        return None


_ELEMENTS = frozenset({Header, Text, Facts, Divider, Image, TextInput, Actions, Chart})


def _element(element: Element) -> tuple[object, ...]:
    if type(element) not in _ELEMENTS:
        raise _Unfit  # an unknown element or a subclass
    if isinstance(element, Header):
        return (Header, _str(element.text))
    if isinstance(element, Text):
        return (Text, _str(element.text), _bool(element.markdown), _tone(element.tone), _str(element.size))
    if isinstance(element, Facts):
        return (Facts, tuple(_fact(f) for f in element.facts))
    if isinstance(element, Divider):
        return (Divider,)
    if isinstance(element, Image):
        return (Image, _str(element.url), _str(element.alt))
    if isinstance(element, TextInput):
        return _input(element)
    if isinstance(element, Actions):
        return (Actions, tuple(_button(b) for b in element.buttons))
    points = tuple((_str(p.x), _number(p.y)) for p in element.points)
    return (Chart, _str(element.kind), _str(element.title), points, _str(element.fallback))


def _fact(fact: Fact) -> tuple[object, ...]:
    if type(fact) is not Fact:
        raise _Unfit
    return (_str(fact.label), _str(fact.value), _tone(fact.tone))


def _input(spec: TextInput) -> tuple[object, ...]:
    if type(spec) is not TextInput or type(spec.max_length) is not int:
        raise _Unfit
    return (
        TextInput,
        _str(spec.id),
        _str(spec.label),
        _str(spec.placeholder),
        _bool(spec.multiline),
        _bool(spec.required),
        spec.max_length,
    )


def _button(button: Button) -> tuple[object, ...]:
    if type(button) is not Button or type(button.style) is not Style:
        raise _Unfit
    return (
        _str(button.label),
        _str(button.action),
        _str_dict(button.values),
        button.style,
        _str(button.url),
        tuple(_input(i) for i in button.inputs),
    )


def _str(value: object) -> str:
    if type(value) is not str:
        raise _Unfit
    return value


def _bool(value: object) -> bool:
    if type(value) is not bool:
        raise _Unfit
    return value


def _tone(value: object) -> Tone:
    if type(value) is not Tone:
        raise _Unfit
    return value


def _number(value: object) -> tuple[type, object]:
    kind = type(value)
    if kind is not int and kind is not float:
        raise _Unfit
    return (kind, value)  # 1 and 1.0 are equal but become different JSON


def _str_dict(values: object) -> tuple[tuple[str, str], ...]:
    if type(values) is not dict:
        raise _Unfit
    return tuple((_str(k), _str(v)) for k, v in values.items())


class CardCache:
    """At most `size` rendered cards (least recently used out first); cards whose serialised form is
    larger than `max_bytes` are not kept."""

    def __init__(self, size: int = 256, max_bytes: int = 64 * 1024) -> None:
        if size < 1:
            raise ValueError("cache size must be positive")
        self._size = size
        self._max_bytes = max_bytes
        self._entries: OrderedDict[CardKey, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CardKey) -> dict[str, Any] | None:
        with self._lock:
            data = self._entries.get(key)
            if data is None:
                return None
            self._entries.move_to_end(key)
        content: dict[str, Any] = marshal.loads(data)  # noqa: S302 - bytes this cache wrote itself
        return content

    def put(self, key: CardKey, content: dict[str, Any]) -> None:
        try:
            data = marshal.dumps(content)
        except ValueError:  # not plain JSON-like data: nothing to keep
            return
        if len(data) > self._max_bytes:
            return
        with self._lock:
            self._entries[key] = data
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
