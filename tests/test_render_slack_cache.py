"""The Slack render cache: a cached message is exactly what rendering again gives, a fresh copy each time,
and replies that are equal but would render differently never share an entry."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings

from adapters.slack import render
from adapters.slack.render import _render_message, render_message
from adapters.slack.render_cache import MessageCache, message_key
from commands.cards import (
    Actions,
    Button,
    Card,
    Chart,
    ChartPoint,
    Element,
    Fact,
    Facts,
    Reply,
    Text,
    TextInput,
    Tone,
)
from commands.features import basics, build_registry
from commands.ports.clock import FrozenClock
from commands.services import Services
from tests.fixtures.schemas import random_cards
from tests.test_render_slack import every_element_card

SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def rendered(reply: Reply, locale: str = "ko") -> dict[str, Any] | None:
    try:
        return _render_message(reply, locale)
    except ValueError:
        return None  # values that cannot travel: render_message raises too (test_render_slack)


@SLOW
@given(random_cards)
def test_a_cached_message_is_what_rendering_gives(card: Card) -> None:
    reply = Reply.of(card)
    expected = rendered(reply)
    if expected is None:
        with pytest.raises(ValueError):
            render_message(reply, locale="ko")
        return
    first = render_message(reply, locale="ko")
    assert first == expected
    first["blocks"].append({"type": "divider"})  # a caller changing what it got changes nothing cached
    first["text"] = "changed"
    again = render_message(reply, locale="ko")
    assert again == expected and again is not render_message(reply, locale="ko")
    assert json.dumps(again) == json.dumps(expected)  # same order and types, not only ==


def _twin(element: Element) -> Element:
    """`element` with values swapped for equal values of other types (str for enums, ints for integral
    floats, 1/0 for booleans, -0.0 for 0.0): equal to it, so it must render the same if it shares a key."""
    if isinstance(element, Text):
        return replace(element, tone=str(element.tone.value), markdown=int(element.markdown))  # type: ignore[arg-type]
    if isinstance(element, Facts):
        return Facts(tuple(replace(f, tone=str(f.tone.value)) for f in element.facts))  # type: ignore[arg-type]
    if isinstance(element, Actions):
        return Actions(tuple(replace(b, style=str(b.style.value)) for b in element.buttons))  # type: ignore[arg-type]
    if isinstance(element, Chart):
        return replace(element, points=tuple(replace(p, y=_other_number(p.y)) for p in element.points))
    if isinstance(element, TextInput):
        return replace(element, multiline=int(element.multiline), required=int(element.required))  # type: ignore[arg-type]
    return element


def _other_number(y: float) -> float:
    if y == 0:
        return -0.0 if math.copysign(1, y) > 0 else 0
    if math.isfinite(y) and y == int(y):
        return int(y)
    return y


@SLOW
@given(random_cards)
def test_equal_replies_that_share_a_key_render_the_same(card: Card) -> None:
    twin = replace(card, elements=tuple(_twin(e) for e in card.elements))
    assert twin == card
    original, other = Reply.of(card), Reply.of(twin)
    if message_key(other, "ko") != message_key(original, "ko"):
        return
    expected = rendered(original)
    assert rendered(other) == expected
    if expected is not None:
        assert render_message(original, locale="ko") == expected
        assert render_message(other, locale="ko") == expected


def test_every_element_card_is_cached_and_served_from_the_cache() -> None:
    reply = Reply.of(every_element_card())
    render.MESSAGE_CACHE.clear()
    message = render_message(reply, locale="ko")
    assert len(render.MESSAGE_CACHE) == 1
    assert render_message(Reply.of(every_element_card(), ephemeral=True), locale="ko") == message
    assert len(render.MESSAGE_CACHE) == 1  # ephemeral is the adapter's business, not the rendering's
    assert render_message(reply, locale="en") == _render_message(reply, "en")
    assert len(render.MESSAGE_CACHE) == 2  # the locale is part of the key


def test_a_card_is_a_value_its_button_values_cannot_change_after_rendering() -> None:
    values = {"doc": "D1"}
    card = Card("s", (Actions((Button("Approve", "approval.approve", values),)),))
    reply = Reply.of(card)
    before = render_message(reply, locale="ko")
    values["doc"] = "D2"  # the dict the button was built from: the button kept its own copy
    button = card.elements[0].buttons[0]  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        button.values["doc"] = "D3"  # type: ignore[index]
    assert render_message(reply, locale="ko") == before == _render_message(reply, "ko")
    assert '"D1"' in before["blocks"][0]["elements"][0]["value"]


def test_an_equal_card_built_anew_hits_the_cache_and_a_different_one_does_not() -> None:
    render.MESSAGE_CACHE.clear()

    def reply(doc: str) -> Reply:
        return Reply.of(Card("s", (Actions((Button("Approve", "approval.approve", {"doc": doc}),)),)))

    first = render_message(reply("D1"), locale="ko")
    assert render_message(reply("D1"), locale="ko") == first and len(render.MESSAGE_CACHE) == 1
    second = render_message(reply("D2"), locale="ko")
    assert '"D2"' in second["blocks"][0]["elements"][0]["value"] and len(render.MESSAGE_CACHE) == 2


def test_equal_values_of_different_types_are_told_apart() -> None:
    def chart(*ys: Any) -> Reply:
        return Reply.of(
            Card("s", (Chart("line", "t", tuple(ChartPoint(f"p{n}", y) for n, y in enumerate(ys)), "fb"),))
        )

    assert chart(1.0, 2.0) == chart(Decimal(1), Decimal(2))  # equal, but Decimal points are not drawn
    assert message_key(chart(Decimal(1), Decimal(2)), "ko") is None
    assert render_message(chart(Decimal(1), Decimal(2)), locale="ko") == _render_message(
        chart(Decimal(1), Decimal(2)), "ko"
    )
    assert render_message(chart(1.0, 2.0), locale="ko") != render_message(
        chart(Decimal(1), Decimal(2)), locale="ko"
    )
    as_bool = Reply.of(Card("s", (Actions((Button("b", "a.b", {"n": True}),)),)))  # type: ignore[dict-item]
    as_text = Reply.of(Card("s", (Actions((Button("b", "a.b", {"n": "1"}),)),)))
    assert message_key(as_bool, "ko") is None  # JSON would say true, not "1"
    assert message_key(as_text, "ko") is not None
    long_input = TextInput("r", "R", max_length=500.0)  # type: ignore[arg-type]
    ask = Reply.of(Card("s", (Actions((Button("b", "a.b", inputs=(long_input,)),)),)))
    assert message_key(ask, "ko") is None  # 500.0 == 500, but the button value would say 500.0


def test_unknown_element_types_are_not_cached() -> None:
    @dataclass(frozen=True)
    class LoudText(Text):
        pass

    reply = Reply.of(Card("s", (LoudText("x"),)))
    assert message_key(reply, "ko") is None
    assert render_message(reply, locale="ko") == _render_message(reply, "ko")
    facts = [Fact("a", "b")]
    as_list = Reply.of(Card("s", (Facts(facts),)))  # type: ignore[arg-type]
    assert message_key(as_list, "ko") is None  # a list could change after it was keyed: not cached
    assert render_message(as_list, locale="ko") == _render_message(as_list, "ko")
    facts.append(Fact("c", "d"))
    assert render_message(as_list, locale="ko") == _render_message(as_list, "ko")
    elements_as_list = Reply.of(Card("s", [Text("x")]))  # type: ignore[arg-type]
    assert message_key(elements_as_list, "ko") is None


def test_a_plain_string_tone_renders_like_the_enum() -> None:
    subtle = Reply.of(Card("s", (Text("quiet", tone=Tone.SUBTLE),)))
    plain = Reply.of(Card("s", (Text("quiet", tone="subtle"),)))  # type: ignore[arg-type]
    assert message_key(plain, "ko") is None  # not the declared type: rendered, never cached
    assert _render_message(plain, "ko") == _render_message(subtle, "ko")
    assert render_message(plain, locale="ko")["blocks"][0]["type"] == "context"


def test_the_help_card_is_rendered_once_per_locale_and_badges() -> None:
    clock = FrozenClock(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    services = Services(build_registry(), clock, identities=cast(Any, None), targets=cast(Any, None))
    render.MESSAGE_CACHE.clear()
    for _ in range(3):
        for locale in ("ko", "en"):
            assert render_message(Reply.of(basics.help_card(services, locale)), locale=locale) == (
                _render_message(Reply.of(basics.help_card(services, locale)), locale)
            )
    with_badge = Reply.of(basics.help_card(services, "ko", ("📥 결재 대기 3건",)))
    assert render_message(with_badge, locale="ko") == _render_message(with_badge, "ko")
    assert len(render.MESSAGE_CACHE) == 3


def test_the_cache_is_bounded_in_entries_and_size() -> None:
    cache = MessageCache(size=2, max_bytes=200)
    keys = [message_key(Reply(text=str(n)), "ko") for n in range(3)]
    for n, key in enumerate(keys):
        assert key is not None
        cache.put(key, {"text": str(n), "blocks": []})
    assert len(cache) == 2
    assert keys[0] is not None and cache.get(keys[0]) is None
    assert keys[2] is not None and cache.get(keys[2]) == {"text": "2", "blocks": []}
    big = message_key(Reply(text="big"), "ko")
    assert big is not None
    cache.put(big, {"text": "x" * 500, "blocks": []})
    assert cache.get(big) is None
    with pytest.raises(ValueError):
        MessageCache(size=0)


def test_a_cards_elements_key_is_remembered_for_that_card_object_only() -> None:
    from adapters import rendered

    card = every_element_card()
    first = rendered.elements_key(card)
    assert rendered.elements_key(card) is first  # the same object: walked once
    equal = every_element_card()
    assert equal is not card and rendered.elements_key(equal) == first
    other = Card("s", (Text("another"),))
    assert rendered.elements_key(other) != first
    for _ in range(rendered.CARD_KEYS_KEPT + 10):  # bounded: the oldest go first
        rendered.elements_key(Card("s", (Text("x"),)))
    assert len(rendered._CARD_KEYS) <= rendered.CARD_KEYS_KEPT
