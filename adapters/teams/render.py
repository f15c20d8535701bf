"""Neutral card -> Adaptive Card 1.5 JSON for Teams. Pure: no I/O, same input, same output.

Teams reads TextBlock and FactSet text as markdown and expands {{DATE()}}/{{TIME()}}: every piece of
ERP or user text is escaped so it shows literally; only the neutral subset of `Text(markdown=True)` is
turned into markup. Limits (text length, body size, action data) are enforced here, so a card never
bounces off the ~28 KB Teams message limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.teams.render_cache import CardCache, card_key
from adapters.text import ZWSP, chart_summary, clean, fit, parse_markdown, safe_url
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
    Style,
    Text,
    TextInput,
    Tone,
)
from commands.i18n import t

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_TEXT = 5000
MAX_FACT_TITLE = 200
MAX_FACT_VALUE = 1000
MAX_TITLE = 100
MAX_BODY = 100
CARD_BUDGET = 24_000  # bytes of card JSON; Teams refuses messages over ~28 KB
FACTSET_BUDGET = 4_000
NOTE_ROOM = 400  # bytes kept for the "N more" note
MIN_SHRINK = 1_000
FACTS_PER_SET = 20
ACTIONS_PER_SET = 6
MAX_DATA = 2000
MAX_REFRESH_USERS = 60
MAX_CHART_POINTS = 100

_ALWAYS = re.compile(r"[\\*_`~\[\]<&]")
_LINE_START = re.compile(r"^([ \t]*)([#>+\-=]|\d{1,9}[.)])", re.MULTILINE)
_COLORS = {Tone.GOOD: "Good", Tone.WARNING: "Warning", Tone.ATTENTION: "Attention"}
_SIZES = {"small": "Small", "large": "Large"}
_STYLES = {Style.PRIMARY: "positive", Style.DANGER: "destructive"}
_SEPARATOR: dict[str, Any] = {}  # marker: the next element gets a separator line
_RENDERED = CardCache()  # pure renderings reused (help, status cards); see adapters/teams/render_cache.py

Piece = tuple[dict[str, Any], int]  # (body element, how many neutral items it shows)


def _no_functions(text: str) -> str:
    return text.replace("{{", "{" + ZWSP + "{")


def escape_markdown(text: str) -> str:
    """`text` as a TextBlock/Fact string that renders literally (no markup, no DATE/TIME functions)."""
    text = _ALWAYS.sub(lambda m: "\\" + m[0], clean(text))
    text = _LINE_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}", text)
    return _no_functions(re.sub(r"\n+", "\n\n", text))


def plain(text: str) -> str:
    """For fields Teams shows without markdown (titles, labels, placeholders): no functions, no controls."""
    return _no_functions(clean(text))


def translate_markdown(text: str) -> str:
    """The neutral subset -> Adaptive Card markdown; everything else escaped."""
    out: list[str] = []
    for seg in parse_markdown(clean(text)):
        if seg.kind == "bold":
            out.append(f"**{escape_markdown(seg.text)}**")
        elif seg.kind == "italic":
            out.append(f"_{escape_markdown(seg.text)}_")
        elif seg.kind == "link" and safe_url(seg.url):
            out.append(f"[{escape_markdown(seg.text)}]({seg.url})")
        elif seg.kind == "link":
            out.append(escape_markdown(f"[{seg.text}]({seg.url})"))
        elif seg.kind == "code":  # no inline code in Adaptive Cards: keep the backticks visible
            out.append(escape_markdown(f"`{seg.text}`"))
        else:
            out.append(escape_markdown(seg.text))
    return "".join(out)


@dataclass
class _Context:
    locale: str
    auto_inputs: bool  # the card has free-standing inputs: every button submits them
    input_ids: frozenset[str]
    rendered_inputs: set[str] = field(default_factory=set)


def render_card(card: Card, *, locale: str) -> dict[str, Any]:
    """The Adaptive Card 1.5 JSON for `card` (Teams extensions: root `msteams`, `Chart.*` elements).
    A fresh dict every time: the caller may change it."""
    return _RENDERED.rendered(card_key(card, locale), lambda: _render_card(card, locale))


def _render_card(card: Card, locale: str) -> dict[str, Any]:
    ctx = _Context(
        locale=locale,
        auto_inputs=any(isinstance(e, TextInput) for e in card.elements),
        input_ids=frozenset(_input_ids(card.elements)),
    )
    pieces = [piece for element in card.elements for piece in _element(element, ctx)]
    content: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [],
        "actions": [],
        "msteams": {"width": "Full"},
    }
    if card.refresh_action:
        refresh: dict[str, Any] = {"action": _execute("", card.refresh_action, card.refresh_values, ctx)}
        if card.refresh_user_ids:
            refresh["userIds"] = list(card.refresh_user_ids[:MAX_REFRESH_USERS])
        content["refresh"] = refresh
    content["body"] = _assemble(pieces, locale, CARD_BUDGET - _size(content))
    return content


def render_reply(reply: Reply, *, locale: str) -> list[dict[str, Any]]:
    """The message attachments for `reply` (its `text` goes in the activity text, not here)."""
    return [{"contentType": CONTENT_TYPE, "content": render_card(c, locale=locale)} for c in reply.cards]


def decode_execute(value: object) -> tuple[str, dict[str, str]]:
    """(action id, data) from an `adaptiveCard/action` invoke value; ("", {}) for anything else.

    `data` holds the button's values and, merged in by Teams, the typed inputs under their ids.
    """
    if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
        return "", {}
    action = value["action"]
    verb, data = action.get("verb"), action.get("data")
    if action.get("type") != "Action.Execute" or not isinstance(verb, str) or not isinstance(data, dict):
        return "", {}
    return verb, {k: v for k, v in data.items() if isinstance(v, str) and k != "action"}


def _input_ids(elements: Iterable[Element]) -> Iterator[str]:
    for element in elements:
        if isinstance(element, TextInput):
            yield element.id
        elif isinstance(element, Actions):
            yield from (i.id for b in element.buttons for i in b.inputs)


def _element(element: Element, ctx: _Context) -> list[Piece]:
    if isinstance(element, Header | Text) and not element.text.strip():
        return []
    if isinstance(element, Header):
        text = fit(element.text, MAX_TEXT, escape_markdown)
        return [({"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}, 1)]
    if isinstance(element, Text):
        return [(_text_block(element), 1)]
    if isinstance(element, Facts):
        return list(_fact_sets(element))
    if isinstance(element, Divider):
        return [(_SEPARATOR, 0)]
    if isinstance(element, Image):
        url = safe_url(element.url)
        if url:
            return [({"type": "Image", "url": url, "altText": fit(element.alt, 300, plain)}, 1)]
        return [(_text_block(Text(element.alt)), 1)] if element.alt.strip() else []
    if isinstance(element, TextInput):
        return _inputs((element,), ctx)
    if isinstance(element, Actions):
        return _actions(element, ctx)
    if isinstance(element, Chart):
        return [(_chart(element, ctx.locale), 1)]
    return []


def _text_block(text: Text) -> dict[str, Any]:
    render = translate_markdown if text.markdown else escape_markdown
    block: dict[str, Any] = {"type": "TextBlock", "text": fit(text.text, MAX_TEXT, render), "wrap": True}
    if text.tone in _COLORS:
        block["color"] = _COLORS[text.tone]
    if text.tone is Tone.SUBTLE:
        block["isSubtle"] = True
    if text.size in _SIZES:
        block["size"] = _SIZES[text.size]
    return block


def _fact_sets(element: Facts) -> Iterator[Piece]:
    facts: list[dict[str, str]] = []
    size = 0
    for fact in element.facts:
        item = {
            "title": fit(fact.label, MAX_FACT_TITLE, escape_markdown),
            "value": fit(fact.value, MAX_FACT_VALUE, escape_markdown),
        }
        item_size = _size(item)
        if facts and (len(facts) >= FACTS_PER_SET or size + item_size > FACTSET_BUDGET):
            yield {"type": "FactSet", "facts": facts}, len(facts)
            facts, size = [], 0
        facts.append(item)
        size += item_size
    if facts:
        yield {"type": "FactSet", "facts": facts}, len(facts)


def _inputs(inputs: Iterable[TextInput], ctx: _Context) -> list[Piece]:
    pieces: list[Piece] = []
    for spec in inputs:
        if spec.id in ctx.rendered_inputs:
            continue
        ctx.rendered_inputs.add(spec.id)
        block: dict[str, Any] = {
            "type": "Input.Text",
            "id": spec.id,
            "label": fit(spec.label, MAX_TITLE, plain),
            "isMultiline": spec.multiline,
            "isRequired": spec.required,
        }
        if spec.placeholder:
            block["placeholder"] = fit(spec.placeholder, MAX_TITLE, plain)
        if spec.max_length > 0:
            block["maxLength"] = spec.max_length
        if spec.required:
            block["errorMessage"] = t(ctx.locale, "render.input.required")
        pieces.append((block, 1))
    return pieces


def _actions(element: Actions, ctx: _Context) -> list[Piece]:
    pieces = _inputs((i for b in element.buttons for i in b.inputs), ctx)
    actions = [a for a in (_action(b, ctx) for b in element.buttons) if a is not None]
    for start in range(0, len(actions), ACTIONS_PER_SET):
        pieces.append(({"type": "ActionSet", "actions": actions[start : start + ACTIONS_PER_SET]}, 1))
    return pieces


def _action(button: Button, ctx: _Context) -> dict[str, Any] | None:
    title = fit(button.label, MAX_TITLE, plain)
    if button.url:
        url = safe_url(button.url)
        action = {"type": "Action.OpenUrl", "title": title, "url": url} if url else None
    elif button.action:
        action = _execute(title, button.action, button.values, ctx)
        action["associatedInputs"] = "Auto" if button.inputs or ctx.auto_inputs else "None"
    else:
        action = None
    if action is not None and button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action


def _execute(title: str, verb: str, values: Mapping[str, str], ctx: _Context) -> dict[str, Any]:
    """Action.Execute; raises ValueError for values that cannot travel (a programming error)."""
    clash = sorted({"action", *ctx.input_ids} & set(values))
    if clash:
        raise ValueError(f"button values use reserved or input ids: {clash}")
    data = {"action": verb, **values}
    if len(json.dumps(data, ensure_ascii=False, separators=(",", ":"))) > MAX_DATA:
        raise ValueError(f"button values of {verb!r} exceed {MAX_DATA} characters: keep ids, not data")
    action: dict[str, Any] = {"type": "Action.Execute", "verb": verb, "data": data}
    if title:
        action["title"] = title
    return action


def _chart(chart: Chart, locale: str) -> dict[str, Any]:
    points = [p for p in chart.points if isinstance(p.y, int | float) and abs(p.y) < float("inf")]
    points = points[-MAX_CHART_POINTS:]
    summary = chart.fallback or f"{chart.title}\n{chart_summary([p.y for p in points], locale)}".strip()
    fallback = {"type": "TextBlock", "text": fit(summary, MAX_TEXT, escape_markdown), "wrap": True}
    if not points:
        return fallback
    title = fit(chart.title, MAX_TITLE, plain)
    values = [{"x": fit(p.x, 50, plain), "y": p.y} for p in points]
    if chart.kind == "bar":
        return {"type": "Chart.VerticalBar", "title": title, "data": values, "fallback": fallback}
    series = {"legend": title or "-", "values": values}
    return {"type": "Chart.Line", "title": title, "data": [series], "fallback": fallback}


def _assemble(pieces: list[Piece], locale: str, budget: int) -> list[dict[str, Any]]:
    """Body elements in order, separators applied, cut (with a note) at the element or size limit."""
    body: list[dict[str, Any]] = []
    used = 0
    separator = False
    for index, (element, _) in enumerate(pieces):
        if element is _SEPARATOR:
            separator = True
            continue
        size = _size(element)
        room = budget - used - NOTE_ROOM
        if element.get("type") == "TextBlock" and size > room > MIN_SHRINK and len(body) < MAX_BODY - 1:
            element = _shrink(element, room)  # a long text shows its beginning rather than nothing
            size = _size(element)
        if len(body) >= MAX_BODY - 1 or used + size > budget:
            dropped = sum(w for _, w in pieces[index:])
            note = escape_markdown(t(locale, "render.more", count=dropped))
            body.append({"type": "TextBlock", "text": note, "isSubtle": True, "wrap": True})
            break
        if separator and body:
            element = {**element, "separator": True}
        separator = False
        body.append(element)
        used += size
    return body


def _shrink(block: dict[str, Any], room: int) -> dict[str, Any]:
    """`block` with its (escaped) text cut so the block takes at most `room` bytes."""
    text: str = block["text"]
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _size({**block, "text": text[:mid] + "…"}) <= room:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]  # never leave half an escape
    return {**block, "text": cut + "…"}


def _size(element: dict[str, Any]) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())
