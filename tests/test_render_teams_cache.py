"""The Teams render cache: a cached card is exactly what rendering it again gives, a fresh copy each
time, and cards that are equal but would render differently never share an entry."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, given, settings

from adapters.teams import render
from adapters.teams.render import _render_card, render_card
from adapters.teams.render_cache import CardCache, card_key
from commands.cards import Actions, Button, Card, Chart, ChartPoint, Text, TextInput, Tone
from tests.fixtures.schemas import random_cards
from tests.test_render_teams import every_element_card


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(random_cards)
def test_a_cached_card_is_what_rendering_gives(card: Card) -> None:
    try:
        expected = _render_card(card, "ko")
    except ValueError:
        return  # values that cannot travel: render_card raises too (test_render_teams)
    first = render_card(card, locale="ko")
    first["body"].append({"type": "TextBlock", "text": "changed by a caller"})
    assert render_card(card, locale="ko") == expected
    assert render_card(card, locale="ko") is not render_card(card, locale="ko")


def test_every_element_card_is_cached_and_served_from_the_cache() -> None:
    card = every_element_card()
    key = card_key(card, "ko")
    assert key is not None
    render._RENDERED.clear()
    rendered = render_card(card, locale="ko")
    assert len(render._RENDERED) == 1
    assert render_card(replace(card, summary="only in notifications"), locale="ko") == rendered
    assert len(render._RENDERED) == 1  # the summary does not reach the Adaptive Card
    assert card_key(card, "en") != key
    assert render_card(card, locale="ko") == _render_card(card, "ko")


def test_equal_values_of_different_types_render_apart() -> None:
    ints = Card("s", (Chart("line", "t", (ChartPoint("a", 1), ChartPoint("b", 2)), ""),))
    floats = Card("s", (Chart("line", "t", (ChartPoint("a", 1.0), ChartPoint("b", 2.0)), ""),))
    assert ints == floats and card_key(ints, "ko") != card_key(floats, "ko")
    for _ in range(2):
        assert json.dumps(render_card(ints, locale="ko")) == json.dumps(_render_card(ints, "ko"))
        assert json.dumps(render_card(floats, locale="ko")) == json.dumps(_render_card(floats, "ko"))
    assert '"y": 1.0' in json.dumps(render_card(floats, locale="ko"))


def test_cards_with_unexpected_types_are_not_cached() -> None:
    @dataclass(frozen=True)
    class LoudText(Text):
        pass

    truthy = Card("s", (TextInput("n", "N", multiline=1),))  # type: ignore[arg-type]
    plain_tone = Card("s", (Text("x", tone="good"),))  # type: ignore[arg-type]
    numeric_value = Card("s", (Actions((Button("b", "a.b", {"n": 1}),)),))  # type: ignore[dict-item]
    for card in (truthy, plain_tone, numeric_value, Card("s", (LoudText("x"),))):
        assert card_key(card, "ko") is None
    assert render_card(plain_tone, locale="ko") == _render_card(plain_tone, "ko")
    assert card_key(Card("s", (Text("x", tone=Tone.GOOD),)), "ko") is not None


def test_the_cache_is_bounded() -> None:
    cache = CardCache(size=2)
    keys = [card_key(Card("s", (Text(str(n)),)), "ko") for n in range(3)]
    for n, key in enumerate(keys):
        assert key is not None
        cache.put(key, {"n": n})
    assert len(cache) == 2
    assert keys[0] is not None and cache.get(keys[0]) is None
    assert keys[2] is not None and cache.get(keys[2]) == {"n": 2}
