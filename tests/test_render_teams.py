"""Neutral card -> Adaptive Card 1.5: every element, escaping, limits, click round trip, random cards."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.teams.render import (
    CONTENT_TYPE,
    MAX_REFRESH_USERS,
    MAX_TEXT,
    decode_execute,
    escape_markdown,
    render_card,
    render_reply,
    translate_markdown,
)
from adapters.text import ZWSP
from commands.cards import (
    Actions,
    Button,
    Card,
    Chart,
    ChartPoint,
    Divider,
    Fact,
    Facts,
    Header,
    Image,
    Reply,
    Style,
    Text,
    TextInput,
    Tone,
)
from commands.features import basics
from commands.i18n import t
from commands.ports.clock import FrozenClock
from commands.registry import Registry
from commands.services import Services
from tests.fixtures.schemas import random_cards, validate_adaptive_card

INJECTIONS = [
    "<!channel>",
    "<@U123>",
    "<https://x|y>",
    "*bold* **bolder** _it_ ~~gone~~",
    "[x](javascript:alert(1))",
    "{{DATE(2024-01-01T00:00:00Z, SHORT)}} {{TIME(2024-01-01T00:00:00Z)}}",
    "# heading\n> quote\n- item\n+ item\n12. numbered\n3) also\n---",
    "`code` <b>html</b> &amp; a\\*b",
    "![img](https://x/y.png)",
]


def visible(escaped: str) -> str:
    """What a CommonMark renderer shows for escaped text; fails on anything it would read as markup."""
    out: list[str] = []
    i, line_start = 0, True
    while i < len(escaped):
        c = escaped[i]
        if c == "\\":
            assert i + 1 < len(escaped), f"dangling backslash in {escaped!r}"
            out.append(escaped[i + 1])
            i, line_start = i + 2, False
            continue
        assert c not in "*_`~[]<&", f"unescaped {c!r} in {escaped!r}"
        if line_start and c in "#>+-=":
            raise AssertionError(f"block marker {c!r} at line start in {escaped!r}")
        if line_start and c.isascii() and c.isdigit():
            digits = re.match(r"\d+", escaped[i:])
            assert digits is not None
            j = i + digits.end()
            assert j >= len(escaped) or escaped[j] not in ".)", f"list number in {escaped!r}"
            out.append(escaped[i:j])
            i, line_start = j, False
            continue
        out.append(c)
        line_start = c == "\n" or (line_start and c in " \t")
        i += 1
    assert "{{" not in escaped, f"Adaptive Card function in {escaped!r}"
    return re.sub(r"\n\n", "\n", "".join(out).replace(ZWSP, ""))


def normalized(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r"\n+", "\n", text).replace(ZWSP, "")


def every_element_card() -> Card:
    reason = TextInput("reason", "Reason", placeholder="why?", multiline=True, required=True, max_length=200)
    return Card(
        summary="All elements",
        elements=(
            Header("Purchase order PO-2024-001"),
            Text("Plain text"),
            Text("Good", tone=Tone.GOOD),
            Text("Warn", tone=Tone.WARNING, size="small"),
            Text("Bad", tone=Tone.ATTENTION, size="large"),
            Text("Quiet", tone=Tone.SUBTLE),
            Text("**bold** _italic_ `code` [link](https://example.com/a?b=1&c=2)", markdown=True),
            Divider(),
            Facts((Fact("Amount", "1,200,000원"), Fact("Drafter", "Kim", Tone.WARNING))),
            Image("https://example.com/chart.png", "chart"),
            TextInput("note", "Note"),
            Actions(
                (
                    Button("Approve", "approval.approve", {"doc": "D1"}, Style.PRIMARY),
                    Button("Reject", "approval.reject", {"doc": "D1"}, Style.DANGER, inputs=(reason,)),
                    Button("Open in ERP", url="https://erp.example.com/doc/D1"),
                )
            ),
            Chart("line", "Sales", (ChartPoint("Mon", 1), ChartPoint("Tue", 3.5), ChartPoint("Wed", 2)), ""),
            Chart("bar", "Stock", (ChartPoint("A", 5), ChartPoint("B", 7)), "A 5, B 7"),
        ),
        refresh_action="approval.view",
        refresh_values={"doc": "D1"},
        refresh_user_ids=("29:user-a", "29:user-b"),
    )


def body_of(card: Card, locale: str = "ko") -> list[dict[str, Any]]:
    rendered = render_card(card, locale=locale)
    validate_adaptive_card(rendered)
    return cast(list[dict[str, Any]], rendered["body"])


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_element_type_renders_a_valid_card(locale: str) -> None:
    rendered = render_card(every_element_card(), locale=locale)
    validate_adaptive_card(rendered)
    assert rendered["type"] == "AdaptiveCard" and rendered["version"] == "1.5"
    assert rendered["msteams"] == {"width": "Full"}
    types = [e["type"] for e in rendered["body"]]
    assert types == [
        "TextBlock", "TextBlock", "TextBlock", "TextBlock", "TextBlock", "TextBlock", "TextBlock",
        "FactSet", "Image", "Input.Text", "Input.Text", "ActionSet", "Chart.Line", "Chart.VerticalBar",
    ]  # fmt: skip
    header, plain, good, warn, bad, quiet = rendered["body"][:6]
    assert header["size"] == "Large" and header["weight"] == "Bolder" and header["wrap"] is True
    assert "color" not in plain and good["color"] == "Good"
    assert warn["color"] == "Warning" and warn["size"] == "Small"
    assert bad["color"] == "Attention" and bad["size"] == "Large"
    assert quiet["isSubtle"] is True
    assert rendered["body"][7]["separator"] is True  # the Divider
    assert rendered["body"][7]["facts"][0] == {"title": "Amount", "value": "1,200,000원"}


def test_buttons_map_to_execute_and_open_url_with_inputs_before_the_action_set() -> None:
    body = body_of(every_element_card(), "en")
    note, reason, action_set = body[9], body[10], body[11]
    assert note["id"] == "note" and reason["id"] == "reason"
    assert reason == {
        "type": "Input.Text",
        "id": "reason",
        "label": "Reason",
        "isMultiline": True,
        "isRequired": True,
        "placeholder": "why?",
        "maxLength": 200,
        "errorMessage": t("en", "render.input.required"),
    }
    approve, reject, link = action_set["actions"]
    assert approve == {
        "type": "Action.Execute",
        "verb": "approval.approve",
        "data": {"action": "approval.approve", "doc": "D1"},
        "title": "Approve",
        "associatedInputs": "Auto",  # the card has a free-standing input
        "style": "positive",
    }
    assert reject["style"] == "destructive" and reject["associatedInputs"] == "Auto"
    assert link == {"type": "Action.OpenUrl", "title": "Open in ERP", "url": "https://erp.example.com/doc/D1"}


def test_buttons_without_inputs_do_not_submit_another_buttons_required_input() -> None:
    reason = TextInput("reason", "Reason", required=True)
    card = Card("s", (Actions((Button("OK", "a.ok"), Button("No", "a.no", inputs=(reason,)))),))
    input_block, action_set = body_of(card)
    assert input_block["id"] == "reason"
    assert [a["associatedInputs"] for a in action_set["actions"]] == ["None", "Auto"]


def test_divider_sets_separator_on_the_next_element_and_trailing_dividers_vanish() -> None:
    body = body_of(Card("s", (Divider(), Text("a"), Divider(), Divider(), Text("b"), Divider())))
    assert [e.get("separator", False) for e in body] == [False, True]


def test_unsafe_urls_are_never_rendered() -> None:
    card = Card(
        "s",
        (
            Image("javascript:alert(1)", "fallback alt"),
            Actions((Button("evil", url="javascript:alert(1)"), Button("ok", url="https://ok.example"))),
        ),
    )
    body = body_of(card)
    assert body[0] == {"type": "TextBlock", "text": "fallback alt", "wrap": True}
    assert body[1]["actions"] == [{"type": "Action.OpenUrl", "title": "ok", "url": "https://ok.example"}]
    assert "javascript" not in json.dumps(body)


def test_refresh_is_an_execute_action_for_at_most_60_users() -> None:
    users = tuple(f"29:user-{n}" for n in range(100))
    rendered = render_card(Card("s", (Text("x"),), "kpi.view", {"id": "7"}, users), locale="ko")
    validate_adaptive_card(rendered)
    assert rendered["refresh"]["action"] == {
        "type": "Action.Execute",
        "verb": "kpi.view",
        "data": {"action": "kpi.view", "id": "7"},
    }
    assert rendered["refresh"]["userIds"] == list(users[:MAX_REFRESH_USERS])


def test_charts_use_the_teams_chart_shape_with_a_fallback() -> None:
    body = body_of(every_element_card())
    line, bar = body[-2], body[-1]
    assert line["data"] == [
        {"legend": "Sales", "values": [{"x": "Mon", "y": 1}, {"x": "Tue", "y": 3.5}, {"x": "Wed", "y": 2}]}
    ]
    assert line["fallback"]["type"] == "TextBlock" and "▁" in line["fallback"]["text"]
    assert bar["data"] == [{"x": "A", "y": 5}, {"x": "B", "y": 7}]
    assert visible(bar["fallback"]["text"]) == "A 5, B 7"


def test_chart_drops_non_finite_points_and_falls_back_to_text_without_points() -> None:
    nan, inf = float("nan"), float("inf")
    points = (ChartPoint("a", nan), ChartPoint("b", 2), ChartPoint("c", inf))
    body = body_of(
        Card("s", (Chart("line", "T", points, ""), Chart("bar", "Empty", (ChartPoint("x", nan),), "")))
    )
    assert body[0]["data"][0]["values"] == [{"x": "b", "y": 2}]
    assert body[1] == {"type": "TextBlock", "text": "Empty", "wrap": True}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_help_and_example_cards_render_valid(locale: str) -> None:
    registry = Registry()
    basics.register(registry)
    clock = FrozenClock(datetime(2026, 1, 5, tzinfo=UTC))
    services = Services(registry=registry, clock=clock, identities=cast(Any, None), targets=cast(Any, None))
    help_body = body_of(basics.help_card(services, locale), locale)
    assert help_body[0]["text"] == t(locale, "help.title")
    verbs = [a["verb"] for e in help_body if e["type"] == "ActionSet" for a in e["actions"]]
    assert verbs == [basics.EXAMPLE_ACTION] * 3
    example = basics.example_card(locale, "ping", "ping", t(locale, "cmd.ping.usage"))
    assert visible(body_of(example, locale)[2]["text"]).endswith("`ping`")


@pytest.mark.parametrize("nasty", INJECTIONS)
def test_user_text_shows_literally_everywhere(nasty: str) -> None:
    card = Card(
        nasty,
        (
            Header(nasty),
            Text(nasty),
            Facts((Fact(nasty, nasty),)),
            Actions((Button(nasty, "a.x", {"v": nasty}, inputs=(TextInput("in", nasty, nasty),)),)),
        ),
    )
    header, text, facts, input_block, action_set = body_of(card)
    for escaped in (header["text"], text["text"], facts["facts"][0]["title"], facts["facts"][0]["value"]):
        assert visible(escaped) == normalized(nasty)
    # Fields Teams shows without markdown keep the text, minus the {{ function trigger.
    button = action_set["actions"][0]
    for shown in (input_block["label"], input_block["placeholder"], button["title"]):
        assert "{{" not in shown and shown.replace(ZWSP, "") == nasty.replace(ZWSP, "")
    assert button["data"]["v"] == nasty  # values travel untouched


def test_markdown_subset_is_translated_and_the_rest_escaped() -> None:
    text = "**bold** _it_ [site](https://example.com/x) `a*b` [x](javascript:alert(1)) <@U1> snake_case"
    assert translate_markdown(text) == (
        "**bold** _it_ [site](https://example.com/x) \\`a\\*b\\` "
        "\\[x\\](javascript:alert(1)) \\<@U1> snake\\_case"
    )
    assert translate_markdown("**{{DATE(x)}}**") == "**{" + ZWSP + "{DATE(x)}}**"


def test_very_long_text_is_truncated_and_the_card_stays_small() -> None:
    huge = "가나다*" * 250_000
    body = body_of(Card("s", (Header(huge), Text(huge), Facts((Fact(huge, huge),)))))
    assert len(body[0]["text"]) <= MAX_TEXT and body[0]["text"].endswith("…")
    assert visible(body[1]["text"][:-1]) == huge[: len(visible(body[1]["text"][:-1]))]
    assert len(json.dumps(body, ensure_ascii=False).encode()) < 28 * 1024


def test_two_hundred_facts_are_split_and_cut_with_a_note() -> None:
    facts = tuple(Fact(f"항목 {n}", "값 " * 40) for n in range(200))
    body = body_of(Card("s", (Header("h"), Facts(facts))))
    shown = sum(len(e["facts"]) for e in body if e["type"] == "FactSet")
    note = body[-1]
    assert 0 < shown < 200
    assert note["isSubtle"] is True and visible(note["text"]) == t("ko", "render.more", count=200 - shown)


def test_eighty_elements_stay_within_limits() -> None:
    elements = tuple(Text(f"line {n} <!channel>") for n in range(80))
    body = body_of(Card("s", elements), "en")
    assert len(body) == 80 and visible(body[79]["text"]) == "line 79 <!channel>"
    many = body_of(Card("s", elements * 2), "en")
    assert len(many) == 100 and visible(many[-1]["text"]) == "…61 more not shown."


def test_click_round_trip_gives_back_action_values_and_inputs() -> None:
    values = {"doc": "D-1", "step": "2", "note": "<!channel> & {{DATE(x)}}"}
    card = Card(
        "s", (Actions((Button("Reject", "approval.reject", values, inputs=(TextInput("reason", "R"),)),)),)
    )
    action = body_of(card)[-1]["actions"][0]
    # Teams sends the action's data with the typed inputs merged in.
    invoke_value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": {**action["data"]}}}
    invoke_value["action"]["data"]["reason"] = "too expensive"
    assert decode_execute(invoke_value) == ("approval.reject", {**values, "reason": "too expensive"})


@pytest.mark.parametrize(
    "garbage",
    [None, "x", {}, {"action": "x"}, {"action": {"type": "Action.Submit", "verb": "a", "data": {}}}],
)
def test_decode_execute_never_raises(garbage: object) -> None:
    assert decode_execute(garbage) == ("", {})


@pytest.mark.parametrize(
    "button",
    [
        Button("x", "a.x", {"action": "other"}),
        Button("x", "a.x", {"reason": "clash"}, inputs=(TextInput("reason", "R"),)),
        Button("x", "a.x", {"blob": "x" * 3000}),
    ],
)
def test_values_that_cannot_travel_are_a_programming_error(button: Button) -> None:
    with pytest.raises(ValueError):
        render_card(Card("s", (Actions((button,)),)), locale="ko")


def test_render_reply_wraps_each_card_as_an_attachment() -> None:
    reply = Reply(text="hello", cards=(Card("a", (Text("a"),)), Card("b", (Text("b"),))))
    attachments = render_reply(reply, locale="ko")
    assert [a["contentType"] for a in attachments] == [CONTENT_TYPE, CONTENT_TYPE]
    assert attachments[1]["content"]["body"][0]["text"] == "b"
    assert render_reply(Reply(text="only text"), locale="ko") == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_escaping_is_inert_and_lossless(text: str) -> None:
    assert visible(escape_markdown(text)) == normalized(text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(random_cards)
def test_random_cards_always_render_valid(card: Card) -> None:
    validate_adaptive_card(render_card(card, locale="ko"))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["body"][0].update(bogus=1),  # unknown property
        lambda c: c["body"][0].update(color="Purple"),  # not an enum value
        lambda c: c["body"][0].update(msteams={"width": "Full"}),  # msteams is allowed at the root only
        lambda c: c["body"].append({"type": "Chart.Pie"}),  # a chart without data
        lambda c: c["body"].append(
            {"type": "Chart.Line", "data": [{"values": [{"x": "a", "y": float("nan")}]}]}
        ),
        lambda c: c["body"].append({"type": "Chart.Bogus", "data": []}),  # not a Teams extension
        lambda c: c["body"].append({"type": "TextBlock", "text": "x" * 30_000}),  # over the Teams size limit
        lambda c: c.update(version=1.5),  # a number, not a string
    ],
)
def test_the_validator_rejects_what_teams_would_refuse(breakage: Any) -> None:
    card = render_card(Card("s", (Text("x"), Chart("bar", "c", (ChartPoint("a", 1),), ""))), locale="ko")
    validate_adaptive_card(card)
    breakage(card)
    with pytest.raises(AssertionError):
        validate_adaptive_card(card)
