"""Neutral card -> Slack Block Kit. Pure: no I/O, same input, same output.

ERP and user text never becomes markup: `& < >` are always entity-escaped (so `<!channel>` or
`<https://evil|x>` show literally), plain text goes in plain_text objects, and text that must be
mrkdwn has its formatting characters neutralised with zero-width spaces. Block Kit limits (50 blocks,
3000-character sections, 10 fields, 25 buttons, 75-character button text, 2000-character values) are
enforced here. Button clicks come back through `decode_action`; buttons with inputs open the modal of
adapters/slack/modal.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from adapters.slack.modal import (
    CALLBACK_ID,
    ModalRoute,
    decode_route,
    encode_route,
    plain_text_object,
    read_modal_inputs,
    render_input_modal,
)
from adapters.slack.render_cache import MessageCache, MessageKey, message_key
from adapters.text import (
    ZWSP,
    chart_summary,
    clean,
    escape_entities,
    fit,
    parse_markdown,
    safe_url,
    split_fit,
    utf16_len,
)
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
    Reply,
    Style,
    Text,
    TextInput,
    Tone,
)
from commands.i18n import t

__all__ = [
    "CALLBACK_ID",
    "LINK_ACTION",
    "ModalRoute",
    "decode_action",
    "decode_button",
    "decode_route",
    "encode_route",
    "escape_mrkdwn",
    "is_link_click",
    "read_modal_inputs",
    "render_blocks",
    "render_input_modal",
    "render_keyed",
    "render_message",
    "translate_markdown",
]

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELD_LABEL = 300
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
MAX_BUTTON_TEXT = 75
MAX_ACTION = 240  # action ids leave room for "#n" under Slack's 255
MAX_VALUE = 2000
MAX_TEXT_PARTS = 4  # sections one Text element may take
MAX_FALLBACK = 3000
LINK_ACTION = "chatops.link"
INPUTS_KEY = "__inputs"

_FORMAT = re.compile(r"[*_~`]")
_QUOTE = re.compile(r"^&gt;", re.MULTILINE)
_TONE_MARKS = {Tone.GOOD: "🟢 ", Tone.WARNING: "🟡 ", Tone.ATTENTION: "🔴 "}
_STYLES = {Style.PRIMARY: "primary", Style.DANGER: "danger"}

Piece = tuple[dict[str, Any], int]  # (block, how many neutral items it shows)

MESSAGE_CACHE = MessageCache()


def escape_mrkdwn(text: str, *, strict: bool = False) -> str:
    """`text` as mrkdwn that shows literally: entities escaped, formatting characters neutralised.

    Slack only formats at word boundaries, so a mark between two letters (snake_case, A*B) is left
    alone unless `strict` (text inside *bold* or _italic_, where it could close the span).
    """

    def neutral(match: re.Match[str]) -> str:
        s, i = match.string, match.start()
        mid_word = 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
        if mid_word and match[0] != "`" and not strict:
            return match[0]
        return ZWSP + match[0] + ZWSP

    return _QUOTE.sub(ZWSP + "&gt;", _FORMAT.sub(neutral, escape_entities(text)))


def translate_markdown(text: str) -> str:
    """The neutral subset -> mrkdwn (*bold*, _italic_, `code`, <url|label>); everything else literal."""
    out: list[str] = []
    for seg in parse_markdown(clean(text)):
        if seg.kind == "bold":
            out.append(f"*{escape_mrkdwn(seg.text, strict=True)}*")
        elif seg.kind == "italic":
            out.append(f"_{escape_mrkdwn(seg.text, strict=True)}_")
        elif seg.kind == "code":
            out.append(f"`{escape_entities(seg.text)}`")
        elif seg.kind == "link" and safe_url(seg.url):
            out.append(f"<{seg.url.replace('&', '&amp;')}|{escape_mrkdwn(seg.text)}>")
        elif seg.kind == "link":
            out.append(escape_mrkdwn(f"[{seg.text}]({seg.url})"))
        else:
            out.append(escape_mrkdwn(seg.text))
    return "".join(out)


class _Counter:
    """Numbers buttons so every action_id in one message is unique."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def render_blocks(card: Card, *, locale: str) -> list[dict[str, Any]]:
    """The blocks for one card (at most 50; inputs are asked for in a modal, not shown)."""
    return _cap(list(_card(card, locale, _Counter())), locale)


def render_message(reply: Reply, *, locale: str) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` for chat.postMessage/chat.update/respond.

    A reply equal to one rendered recently (help, say) is served from MESSAGE_CACHE, as a fresh copy."""
    return render_keyed(reply, locale, message_key(reply, locale))


def render_keyed(reply: Reply, locale: str, key: MessageKey | None) -> dict[str, Any]:
    """`render_message` for a caller that already has `message_key(reply, locale)`."""
    return MESSAGE_CACHE.rendered(key, lambda: _render_message(reply, locale))


def _render_message(reply: Reply, locale: str) -> dict[str, Any]:
    counter = _Counter()
    pieces: list[Piece] = []
    for index, card in enumerate(reply.cards):
        if index:
            pieces.append(({"type": "divider"}, 0))
        pieces.extend(_card(card, locale, counter))
    if not reply.cards:
        pieces.extend(_text(Text(reply.text)))
    return {"text": _fallback(reply, locale), "blocks": _cap(pieces, locale)}


def is_link_click(action: object) -> bool:
    """True for the click on a URL button (Slack opened the link; nothing to run)."""
    action_id = action.get("action_id") if isinstance(action, dict) else None
    return isinstance(action_id, str) and action_id.rpartition("#")[0] == LINK_ACTION


def decode_action(action: object) -> tuple[str, dict[str, str]]:
    """(action id, values) of a clicked button from a `block_actions` action; ("", {}) for anything else."""
    button = decode_button(action)
    return (button.action, dict(button.values)) if button is not None else ("", {})


def decode_button(action: object) -> Button | None:
    """The clicked button as rendered (label, action, values, style, inputs to ask for), or None."""
    if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
        return None
    name, sep, number = action["action_id"].rpartition("#")
    if not sep or not name or name == LINK_ACTION or not (number.isascii() and number.isdigit()):
        return None
    raw_value = action.get("value", "{}")
    if not isinstance(raw_value, str) or len(raw_value) > 2 * MAX_VALUE:
        return None
    try:
        raw = json.loads(raw_value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    text = action.get("text")
    label = text.get("text") if isinstance(text, dict) else None
    return Button(
        label=_unescape(label) if isinstance(label, str) else "",
        action=name,
        values={k: v for k, v in raw.items() if isinstance(v, str) and k != INPUTS_KEY},
        style=Style(action["style"]) if action.get("style") in ("primary", "danger") else Style.DEFAULT,
        inputs=_decode_inputs(raw.get(INPUTS_KEY)),
    )


def _card(card: Card, locale: str, counter: _Counter) -> Iterator[Piece]:
    for element in card.elements:
        yield from _element(element, locale, counter)


def _element(element: Element, locale: str, counter: _Counter) -> Iterator[Piece]:
    if isinstance(element, Header):
        text = fit(clean(element.text).strip().replace("\n", " "), MAX_HEADER, escape_entities)
        if text.strip():
            yield {"type": "header", "text": plain_text_object(text)}, 1
    elif isinstance(element, Text):
        yield from _text(element)
    elif isinstance(element, Facts):
        fields = [_field(fact) for fact in element.facts]
        for start in range(0, len(fields), FIELDS_PER_SECTION):
            chunk = fields[start : start + FIELDS_PER_SECTION]
            yield {"type": "section", "fields": chunk}, len(chunk)
    elif isinstance(element, Divider):
        yield {"type": "divider"}, 0
    elif isinstance(element, Image):
        yield from _image(element, locale)
    elif isinstance(element, Actions):
        buttons = [b for b in (_button(b, counter) for b in element.buttons) if b is not None]
        for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
            yield {"type": "actions", "elements": buttons[start : start + BUTTONS_PER_BLOCK]}, 1
    elif isinstance(element, Chart):
        yield from _chart(element, locale)
    # TextInput: Slack asks for inputs in a modal when a button that needs them is clicked.


def _text(text: Text) -> Iterator[Piece]:
    raw = _TONE_MARKS.get(text.tone, "") + clean(text.text)
    render = translate_markdown if text.markdown else escape_entities
    for part in split_fit(raw, MAX_SECTION, render, MAX_TEXT_PARTS):
        if not part.strip():
            continue
        obj = {"type": "mrkdwn", "text": part, "verbatim": True} if text.markdown else plain_text_object(part)
        if text.tone == Tone.SUBTLE or text.size == "small":
            yield {"type": "context", "elements": [obj]}, 1
        else:
            yield {"type": "section", "text": obj}, 1


def _field(fact: Fact) -> dict[str, Any]:
    label = fit(clean(fact.label).strip(), MAX_FIELD_LABEL, escape_mrkdwn)
    head = f"*{label}*\n" if label.strip() else ""
    value = fit(_TONE_MARKS.get(fact.tone, "") + fact.value, MAX_FIELD - utf16_len(head), escape_mrkdwn)
    text = head + value
    return {"type": "mrkdwn", "text": text if text.strip() else "-", "verbatim": True}


def _image(image: Image, locale: str) -> Iterator[Piece]:
    url = safe_url(image.url)
    alt = fit(clean(image.alt).strip(), 2000)
    if url:
        yield {"type": "image", "image_url": url, "alt_text": alt or t(locale, "render.image")}, 1
    elif alt:
        yield from _text(Text(alt))


def _button(button: Button, counter: _Counter) -> dict[str, Any] | None:
    label = fit(clean(button.label).strip(), MAX_BUTTON_TEXT, escape_entities)
    element: dict[str, Any] = {"type": "button", "text": plain_text_object(label if label.strip() else "…")}
    if button.url:
        url = safe_url(button.url)
        if not url:
            return None
        element["url"] = url
        element["action_id"] = f"{LINK_ACTION}#{counter.next()}"
    elif button.action:
        if len(button.action) > MAX_ACTION:
            raise ValueError(f"action id longer than {MAX_ACTION}: {button.action[:40]!r}…")
        element["action_id"] = f"{button.action}#{counter.next()}"
        element["value"] = _encode_value(button)
    else:
        return None
    if button.style in _STYLES:
        element["style"] = _STYLES[button.style]
    return element


def _encode_value(button: Button) -> str:
    """Compact JSON of the values, plus the inputs to ask for; raises ValueError when over 2000 characters."""
    if INPUTS_KEY in button.values:
        raise ValueError(f"button values may not use the reserved key {INPUTS_KEY!r}")
    payload: dict[str, Any] = dict(button.values)
    for short in (False, True):
        if button.inputs:
            payload[INPUTS_KEY] = [_encode_input(spec, short) for spec in button.inputs]
        value = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if utf16_len(value) <= MAX_VALUE:
            return value
    raise ValueError(f"button values of {button.action!r} exceed {MAX_VALUE} characters: keep ids, not data")


def _encode_input(spec: TextInput, short: bool) -> list[Any]:
    label = spec.label[:30] if short else spec.label
    placeholder = "" if short else spec.placeholder
    return [spec.id, label, placeholder, int(spec.multiline), int(spec.required), spec.max_length]


def _decode_inputs(raw: object) -> tuple[TextInput, ...]:
    if not isinstance(raw, list):
        return ()
    inputs: list[TextInput] = []
    for item in raw[:100]:
        if (
            isinstance(item, list)
            and len(item) == 6
            and all(isinstance(x, str) for x in item[:3])
            and all(isinstance(x, int) for x in item[3:])
            and item[0]
        ):
            ident, label, placeholder, multiline, required, max_length = item
            inputs.append(TextInput(ident, label, placeholder, bool(multiline), bool(required), max_length))
    return tuple(inputs)


def _chart(chart: Chart, locale: str) -> Iterator[Piece]:
    title = fit(clean(chart.title).strip(), 200, escape_mrkdwn)
    head = f"*{title}*\n" if title.strip() else ""
    lines = [chart_summary([p.y for p in chart.points], locale), clean(chart.fallback).strip()]
    body = fit("\n".join(line for line in lines if line), MAX_SECTION - utf16_len(head), escape_mrkdwn)
    if (head + body).strip():
        yield {"type": "section", "text": {"type": "mrkdwn", "text": head + body, "verbatim": True}}, 1


def _cap(pieces: list[Piece], locale: str) -> list[dict[str, Any]]:
    """At most 50 blocks: the first 49 and a note of how many items were left out."""
    if len(pieces) <= MAX_BLOCKS:
        return [block for block, _ in pieces]
    kept = [block for block, _ in pieces[: MAX_BLOCKS - 1]]
    dropped = sum(weight for _, weight in pieces[MAX_BLOCKS - 1 :])
    if dropped:
        note = escape_entities(t(locale, "render.more", count=dropped))
        kept.append({"type": "context", "elements": [plain_text_object(note)]})
    return kept


def _fallback(reply: Reply, locale: str) -> str:
    """The top-level text Slack shows in notifications and where blocks cannot be drawn."""
    candidates = [reply.text, *(card.summary for card in reply.cards)]
    candidates += [e.text for card in reply.cards for e in card.elements if isinstance(e, Header | Text)]
    for raw in candidates:
        text = fit(clean(raw).strip(), MAX_FALLBACK, escape_entities)
        if text.strip():
            return text
    return escape_entities(t(locale, "render.fallback"))


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
