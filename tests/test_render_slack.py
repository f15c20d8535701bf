"""Neutral card -> Block Kit: every element, escaping, limits, click and modal round trips, random cards."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.render import (
    CALLBACK_ID,
    MAX_BLOCKS,
    MAX_VALUE,
    ModalRoute,
    decode_action,
    decode_button,
    decode_route,
    encode_route,
    escape_mrkdwn,
    is_link_click,
    read_modal_inputs,
    render_blocks,
    render_input_modal,
    render_message,
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
from tests.fixtures.schemas import random_cards, validate_block_kit, validate_slack_view

INJECTIONS = [
    "<!channel>",
    "<!here|here> <@U123> <#C123>",
    "<https://evil.example|click me>",
    "*bold* _italic_ ~strike~ `code` ```block```",
    "[x](javascript:alert(1))",
    "> quote\n&gt; quote\na & b &amp; c",
    "{{DATE(2024-01-01T00:00:00Z)}}",
]


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def visible_plain(text: str) -> str:
    """What Slack shows for a plain_text object; fails on an unescaped control character."""
    assert "<" not in text and ">" not in text, f"unescaped angle bracket in {text!r}"
    assert all(
        text.startswith(e, m.start()) for m in re.finditer("&", text) for e in [_entity(text, m.start())]
    )
    return unescape(text)


def visible_mrkdwn(text: str) -> str:
    """What Slack shows for escaped mrkdwn; fails on anything Slack could read as markup or a mention."""
    for i, c in enumerate(text):
        if c in "*_~`":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            inert_mid_word = c != "`" and before.isalnum() and after.isalnum()
            assert (before == ZWSP and after == ZWSP) or inert_mid_word, f"live {c!r} in {text!r}"
    assert not re.search(r"(?m)^&gt;", text), f"block quote in {text!r}"
    return visible_plain(text).replace(ZWSP, "")


def _entity(text: str, at: int) -> str:
    for entity in ("&amp;", "&lt;", "&gt;"):
        if text.startswith(entity, at):
            return entity
    raise AssertionError(f"bare & in {text!r}")


def normalized(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace(ZWSP, "")


def every_element_card() -> Card:
    reason = TextInput("reason", "Reason", placeholder="why?", multiline=True, required=True, max_length=200)
    return Card(
        summary="PO-2024-001 needs your approval",
        elements=(
            Header("Purchase order PO-2024-001"),
            Text("Plain text"),
            Text("Over budget", tone=Tone.ATTENTION),
            Text("Quiet", tone=Tone.SUBTLE),
            Text("**bold** _italic_ `code` [link](https://example.com/a?b=1&c=2)", markdown=True),
            Divider(),
            Facts((Fact("Amount", "1,200,000원"), Fact("Drafter", "Kim", Tone.GOOD))),
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
        ),
    )


def message_of(card: Card, locale: str = "ko") -> dict[str, Any]:
    message = render_message(Reply.of(card), locale=locale)
    validate_block_kit(message)
    return message


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def click(button: dict[str, Any]) -> dict[str, Any]:
    """The action Slack sends in a block_actions payload when `button` is clicked."""
    return {"type": "button", "block_id": "b1", "action_ts": "1700000000.1", **button}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_element_type_renders_valid_blocks(locale: str) -> None:
    message = message_of(every_element_card(), locale)
    assert message["text"] == "PO-2024-001 needs your approval"
    assert [b["type"] for b in message["blocks"]] == [
        "header", "section", "section", "context", "section",
        "divider", "section", "image", "actions", "section",
    ]  # fmt: skip
    header, plain, attention, quiet, markdown = message["blocks"][:5]
    assert header["text"] == {"type": "plain_text", "text": "Purchase order PO-2024-001", "emoji": True}
    assert plain["text"]["type"] == "plain_text" and attention["text"]["text"] == "🔴 Over budget"
    assert quiet["elements"][0]["text"] == "Quiet"
    assert markdown["text"] == {
        "type": "mrkdwn",
        "text": "*bold* _italic_ `code` <https://example.com/a?b=1&amp;c=2|link>",
        "verbatim": True,
    }
    fields = message["blocks"][6]["fields"]
    assert [f["text"] for f in fields] == ["*Amount*\n1,200,000원", "*Drafter*\n🟢 Kim"]
    approve, reject, link = buttons_of(message)
    assert approve["style"] == "primary" and reject["style"] == "danger" and "style" not in link
    assert link["url"] == "https://erp.example.com/doc/D1"
    assert "▁" in message["blocks"][-1]["text"]["text"] and "*Sales*" in message["blocks"][-1]["text"]["text"]
    assert "note" not in json.dumps(message)  # free-standing inputs are not shown in a Slack message


def test_reply_text_without_cards_is_a_literal_plain_text_section() -> None:
    message = render_message(Reply(text="pong <!channel> *x*"), locale="ko")
    validate_block_kit(message)
    assert message["text"] == "pong &lt;!channel&gt; *x*"
    assert message["blocks"] == [
        {
            "type": "section",
            "text": {"type": "plain_text", "text": "pong &lt;!channel&gt; *x*", "emoji": True},
        }
    ]
    empty = render_message(Reply(), locale="en")
    validate_block_kit(empty)
    assert empty == {"text": t("en", "render.fallback"), "blocks": []}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_help_card_renders_valid(locale: str) -> None:
    registry = Registry()
    basics.register(registry)
    clock = FrozenClock(datetime(2026, 1, 5, tzinfo=UTC))
    services = Services(registry=registry, clock=clock, identities=cast(Any, None), targets=cast(Any, None))
    message = message_of(basics.help_card(services, locale), locale)
    assert message["blocks"][0]["text"]["text"] == t(locale, "help.title")
    assert [decode_action(click(b))[0] for b in buttons_of(message)] == [basics.EXAMPLE_ACTION] * 3
    example = message_of(basics.example_card(locale, "ping", "ping", t(locale, "cmd.ping.usage")), locale)
    assert example["blocks"][2]["text"]["text"].endswith("`ping`")


@pytest.mark.parametrize("nasty", INJECTIONS)
def test_user_text_shows_literally_everywhere(nasty: str) -> None:
    card = Card(
        nasty, (Header(nasty), Text(nasty), Facts((Fact("Label", nasty),)), Actions((Button(nasty, "a.x"),)))
    )
    message = message_of(card)
    header, text, facts, actions = message["blocks"]
    assert visible_plain(message["text"]) == nasty
    assert visible_plain(header["text"]["text"]) == nasty.replace("\n", " ")
    assert visible_plain(text["text"]["text"]) == nasty and text["text"]["type"] == "plain_text"
    head, _, value = facts["fields"][0]["text"].partition("\n")
    assert head == "*Label*" and visible_mrkdwn(value) == nasty
    assert visible_plain(actions["elements"][0]["text"]["text"]) == nasty


@pytest.mark.parametrize("nasty", INJECTIONS)
def test_markdown_text_escapes_everything_outside_the_subset(nasty: str) -> None:
    rendered = translate_markdown(nasty)
    assert "<" not in rendered and ">" not in rendered  # no mention, no link: only entities
    assert unescape(rendered.replace(ZWSP, "")) == nasty or "`code`" in nasty


def test_markdown_subset_maps_to_mrkdwn() -> None:
    text = "**bold** _it_ [site](https://example.com/x?a=1&b=2) `a*b<c>` [x](javascript:alert(1)) <@U1> a_b"
    assert translate_markdown(text) == (
        "*bold* _it_ <https://example.com/x?a=1&amp;b=2|site> `a*b&lt;c&gt;` [x](javascript:alert(1)) "
        "&lt;@U1&gt; a_b"
    )
    assert translate_markdown("**a*b** x_y") == f"*a{ZWSP}*{ZWSP}b* x_y"


def test_long_texts_are_split_or_clipped_to_block_kit_limits() -> None:
    huge = "가나다 <&> " * 100_000
    message = message_of(
        Card("s", (Header(huge), Text(huge), Text(huge, markdown=True), Actions((Button(huge, "a.x"),))))
    )
    header, *sections, actions = message["blocks"]
    assert len(header["text"]["text"]) <= 150 and header["text"]["text"].endswith("…")
    assert len(sections) == 8 and all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert sections[3]["text"]["text"].endswith("…")
    assert len(actions["elements"][0]["text"]["text"]) <= 75
    joined = "".join(unescape(s["text"]["text"]) for s in sections[:3])
    assert huge.startswith(joined)  # split pieces are consecutive, nothing lost in between


def test_many_facts_fill_sections_of_ten_and_the_message_is_cut_at_50_blocks() -> None:
    message = message_of(Card("s", (Facts(tuple(Fact(f"k{n}", f"v{n}") for n in range(200))),)))
    assert len(message["blocks"]) == 20 and all(len(b["fields"]) == 10 for b in message["blocks"])
    huge = message_of(Card("s", (Header("h"), Facts(tuple(Fact(f"k{n}", "v") for n in range(600))))), "en")
    assert len(huge["blocks"]) == MAX_BLOCKS
    shown = sum(len(b.get("fields", [])) for b in huge["blocks"])
    assert huge["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "plain_text", "text": f"…{600 - shown} more not shown.", "emoji": True}],
    }


def test_eighty_elements_are_cut_with_a_note_in_the_users_language() -> None:
    message = message_of(Card("s", tuple(Text(f"line {n}") for n in range(80))), "ko")
    assert len(message["blocks"]) == MAX_BLOCKS
    assert message["blocks"][-1]["elements"][0]["text"] == t("ko", "render.more", count=31)
    assert (
        render_blocks(Card("s", tuple(Text(f"line {n}") for n in range(80))), locale="ko")
        == message["blocks"]
    )


def test_many_buttons_are_split_into_actions_blocks_with_unique_action_ids() -> None:
    buttons = tuple(Button(f"b{n}", "same.action", {"n": str(n)}) for n in range(30))
    reply = Reply(cards=(Card("a", (Actions(buttons),)), Card("b", (Actions(buttons[:2]),))))
    message = render_message(reply, locale="ko")
    validate_block_kit(message)
    assert [len(b["elements"]) for b in message["blocks"] if b["type"] == "actions"] == [25, 5, 2]
    decoded = [decode_action(click(b)) for b in buttons_of(message)]
    assert decoded == [("same.action", {"n": str(n)}) for n in [*range(30), 0, 1]]


def test_click_round_trip_gives_back_action_values_and_inputs() -> None:
    values = {"doc": "D-1", "note": '<!channel> & "quoted" 한글'}
    reason = TextInput("reason", "반려 사유", "why?", multiline=True, required=True, max_length=300)
    message = message_of(
        Card(
            "s", (Actions((Button("반려 <x>", "approval.reject", values, Style.DANGER, inputs=(reason,)),)),)
        )
    )
    action = click(buttons_of(message)[0])
    assert decode_action(action) == ("approval.reject", values)
    assert decode_button(action) == Button(
        "반려 <x>", "approval.reject", values, Style.DANGER, inputs=(reason,)
    )


def test_link_buttons_are_recognised_and_decode_to_nothing() -> None:
    message = message_of(Card("s", (Actions((Button("ERP", url="https://erp.example.com"),)),)))
    action = click(buttons_of(message)[0])
    assert is_link_click(action) and decode_action(action) == ("", {}) and decode_button(action) is None


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "a.x#1",
        {},
        {"action_id": 5},
        {"action_id": "a.x"},
        {"action_id": "#1"},
        {"action_id": "a.x#one"},
        {"action_id": "a.x#1", "value": "not json"},
        {"action_id": "a.x#1", "value": "[1, 2]"},
        {"action_id": "a.x#1", "value": 7},
        {"action_id": "a.x#1", "value": "{" * 5000},
        {"action_id": "a.x#1", "value": "[" * 3000},
    ],
)
def test_decode_action_never_raises_on_garbage(garbage: object) -> None:
    assert decode_action(garbage) == ("", {})


def test_decode_keeps_only_string_values_and_well_formed_inputs() -> None:
    value = json.dumps({"a": "1", "b": 2, "__inputs": [["x", "X", "", 0, 1, 10], ["bad"], 5]})
    button = decode_button({"action_id": "a.x#3", "value": value, "text": {"text": "A &amp; B"}})
    assert button == Button("A & B", "a.x", {"a": "1"}, inputs=(TextInput("x", "X", "", False, True, 10),))


def test_values_too_large_for_slack_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        render_message(
            Reply.of(Card("s", (Actions((Button("x", "a.x", {"blob": "x" * MAX_VALUE}),)),))), locale="ko"
        )
    long_inputs = tuple(TextInput(f"in{n}", "라벨" * 200, "안내" * 200) for n in range(5))
    message = message_of(Card("s", (Actions((Button("x", "a.x", {"id": "1"}, inputs=long_inputs),)),)))
    kept = decode_button(click(buttons_of(message)[0]))
    assert kept is not None and [i.id for i in kept.inputs] == [f"in{n}" for n in range(5)]


def test_input_modal_round_trip() -> None:
    inputs = (
        TextInput(
            "reason", "반려 사유 <필수>", "사유를 입력하세요", multiline=True, required=True, max_length=9000
        ),
        TextInput("memo", "메모", max_length=0),
    )
    button = Button("반려하기 — a very long button label", "approval.reject", {"doc": "D1"}, inputs=inputs)
    route = ModalRoute(
        "approval.reject", {"doc": "D1"}, "C123", "1700000000.000100", "https://hooks.slack.com/x"
    )
    view = render_input_modal(button, locale="en", private_metadata=encode_route(route))
    validate_slack_view(view)
    assert view["callback_id"] == CALLBACK_ID and len(view["title"]["text"]) <= 24
    assert view["submit"]["text"] == "Submit" and view["close"]["text"] == "Cancel"
    reason, memo = view["blocks"]
    assert reason["label"]["text"] == "반려 사유 &lt;필수&gt;" and reason["optional"] is False
    assert reason["element"]["max_length"] == 3000 and "max_length" not in memo["element"]
    submitted = {
        **view,
        "state": {
            "values": {
                reason["block_id"]: {"value": {"type": "plain_text_input", "value": "too <expensive>"}},
                memo["block_id"]: {"value": {"type": "plain_text_input", "value": None}},
                "other-block": {"value": {"type": "plain_text_input", "value": "ignored"}},
            }
        },
    }
    assert read_modal_inputs(submitted) == {"reason": "too <expensive>", "memo": ""}
    assert decode_route(view["private_metadata"]) == route


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        (None, {}),
        ([], {}),
        ({"state": None}, {}),
        ({"state": {"values": []}}, {}),
        (
            {"state": {"values": {"input:x": "nope", 3: {}, "input:y": {"value": {"value": 5}}}}},
            {"x": "", "y": ""},
        ),
    ],
)
def test_read_modal_inputs_never_raises(garbage: object, expected: dict[str, str]) -> None:
    assert read_modal_inputs(garbage) == expected


@pytest.mark.parametrize("garbage", [None, "", "{", "[]", '{"a": 5}', '{"v": {}}', "[" * 2900])
def test_decode_route_never_raises(garbage: object) -> None:
    assert decode_route(garbage) is None


def test_modal_refuses_what_slack_would_refuse() -> None:
    with pytest.raises(ValueError):
        render_input_modal(Button("x", "a.x"), locale="ko", private_metadata="")
    with pytest.raises(ValueError):
        render_input_modal(
            Button("x", "a.x", inputs=(TextInput("i", "I"),)), locale="ko", private_metadata="x" * 3001
        )
    route = encode_route(
        ModalRoute("a.x", {"v": "x" * 1900}, "C1", "1.2", "https://hooks.slack.com/" + "y" * 2000)
    )
    assert len(route) <= 3000 and decode_route(route) == ModalRoute("a.x", {"v": "x" * 1900}, "C1", "1.2")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_mrkdwn_escaping_is_inert_and_lossless(text: str) -> None:
    assert visible_mrkdwn(escape_mrkdwn(text)) == normalized(text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(random_cards)
def test_random_cards_always_render_valid(card: Card) -> None:
    message = render_message(Reply.of(card), locale="en")
    validate_block_kit(message)
    for button in buttons_of(message):
        decoded = decode_button(click(button))
        if decoded is not None and decoded.inputs:
            validate_slack_view(render_input_modal(decoded, locale="en", private_metadata="{}"))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda m: m.update(text=""),  # no fallback text
        lambda m: m["blocks"].extend([{"type": "divider"}] * 50),  # over 50 blocks
        lambda m: m["blocks"][0].update(bogus=1),  # a key slack_sdk does not know
        lambda m: m["blocks"][1]["text"].update(text="x" * 3001),  # section text over 3000
        lambda m: m["blocks"][1]["text"].update(text=" "),  # blank text object
        lambda m: m["blocks"][2]["elements"][0].update(value="v" * 2001),  # button value over 2000
        lambda m: m["blocks"][2]["elements"].append(
            dict(m["blocks"][2]["elements"][0])
        ),  # duplicate action_id
        lambda m: m["blocks"].append({"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}),
    ],
)
def test_the_validator_rejects_what_slack_would_refuse(breakage: Any) -> None:
    message = render_message(
        Reply.of(Card("s", (Header("h"), Text("t"), Actions((Button("b", "a.b"),))))), locale="ko"
    )
    validate_block_kit(message)
    breakage(message)
    with pytest.raises(AssertionError):
        validate_block_kit(message)


def test_the_view_validator_rejects_a_long_title() -> None:
    view = render_input_modal(
        Button("b", "a.b", inputs=(TextInput("i", "I"),)), locale="ko", private_metadata=""
    )
    validate_slack_view(view)
    view["title"]["text"] = "x" * 25
    with pytest.raises(AssertionError):
        validate_slack_view(view)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "action_id": st.one_of(st.text(max_size=20), st.just("a.x#1"), _json),
            "value": st.one_of(_json.map(json.dumps), _json),
            "text": _json,
            "style": _json,
        },
    ),
    _json,
)
def test_decoders_never_raise_on_random_payloads(action: dict[str, Any], view: Any) -> None:
    action_id, values = decode_action(action)
    assert isinstance(action_id, str) and all(isinstance(v, str) for v in values.values())
    assert all(isinstance(v, str) for v in read_modal_inputs({"state": {"values": view}}).values())
    decode_route(json.dumps(view))
