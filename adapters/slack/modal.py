"""The Slack modal that asks for a button's TextInputs, and reading its submission back.

Slack cannot collect inputs inside a message reliably, so a button with `inputs` opens this modal;
the submission (callback_id `chatops.inputs`) carries the typed values in `view.state.values` and the
route back to the action in `private_metadata` (see `ModalRoute`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from adapters.text import clean, escape_entities, fit, utf16_len
from commands.cards import Button, TextInput
from commands.i18n import t

CALLBACK_ID = "chatops.inputs"
INPUT_BLOCK_PREFIX = "input:"
INPUT_ACTION_ID = "value"
MAX_TITLE = 24
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000
MAX_METADATA = 3000
MAX_VIEW_BLOCKS = 100


def plain_text_object(text: str) -> dict[str, Any]:
    """A Block Kit plain_text object for already escaped text."""
    return {"type": "plain_text", "text": text, "emoji": True}


def render_input_modal(button: Button, *, locale: str, private_metadata: str) -> dict[str, Any]:
    """A `views.open` modal with one input block per TextInput of `button`.

    Raises ValueError for a button without inputs or metadata over Slack's 3000 characters.
    """
    inputs = _unique(button.inputs)[:MAX_VIEW_BLOCKS]
    if not inputs:
        raise ValueError(f"button {button.action!r} has no inputs to ask for")
    if utf16_len(private_metadata) > MAX_METADATA:
        raise ValueError(f"private_metadata exceeds {MAX_METADATA} characters")
    title = _nonblank(button.label, MAX_TITLE) or _nonblank(t(locale, "render.modal.title"), MAX_TITLE)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain_text_object(title),
        "submit": plain_text_object(fit(t(locale, "render.modal.submit"), MAX_TITLE, escape_entities)),
        "close": plain_text_object(fit(t(locale, "render.modal.close"), MAX_TITLE, escape_entities)),
        "blocks": [_input_block(spec) for spec in inputs],
    } | ({"private_metadata": private_metadata} if private_metadata else {})


def read_modal_inputs(view: object) -> dict[str, str]:
    """{input id: typed text} from a submitted modal's `view.state.values`; {} for anything malformed."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}
    typed: dict[str, str] = {}
    for block_id, actions in values.items():
        if not isinstance(block_id, str) or not block_id.startswith(INPUT_BLOCK_PREFIX):
            continue
        entry = actions.get(INPUT_ACTION_ID) if isinstance(actions, dict) else None
        value = entry.get("value") if isinstance(entry, dict) else None
        typed[block_id.removeprefix(INPUT_BLOCK_PREFIX)] = value if isinstance(value, str) else ""
    return typed


@dataclass(frozen=True)
class ModalRoute:
    """Where a modal submission goes: the action and values of the clicked button, and its message."""

    action: str
    values: dict[str, str] = field(default_factory=dict)
    channel: str = ""
    message_ts: str = ""
    response_url: str = ""


def encode_route(route: ModalRoute) -> str:
    """`route` as private_metadata (compact JSON); drops response_url if needed to fit 3000 characters."""
    payload = {"a": route.action, "v": route.values, "c": route.channel, "ts": route.message_ts}
    with_url = json.dumps({**payload, "ru": route.response_url}, ensure_ascii=False, separators=(",", ":"))
    if utf16_len(with_url) <= MAX_METADATA:
        return with_url
    without = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if utf16_len(without) > MAX_METADATA:
        raise ValueError(f"modal route of {route.action!r} exceeds {MAX_METADATA} characters")
    return without


def decode_route(metadata: object) -> ModalRoute | None:
    """The route from private_metadata, or None when it is not one of ours."""
    try:
        raw = json.loads(metadata) if isinstance(metadata, str) else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("a"), str) or not raw["a"]:
        return None
    values = raw.get("v")
    return ModalRoute(
        action=raw["a"],
        values={k: v for k, v in values.items() if isinstance(v, str)} if isinstance(values, dict) else {},
        channel=_string(raw, "c"),
        message_ts=_string(raw, "ts"),
        response_url=_string(raw, "ru"),
    )


def _string(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _nonblank(text: str, limit: int) -> str:
    """`text` escaped and fitted to `limit`, or "" if nothing visible is left (Slack refuses blank text)."""
    fitted = fit(clean(text).strip(), limit, escape_entities)
    return fitted if fitted.strip() else ""


def _unique(inputs: tuple[TextInput, ...]) -> list[TextInput]:
    seen: dict[str, TextInput] = {}
    for spec in inputs:
        seen.setdefault(spec.id, spec)
    return list(seen.values())


def _input_block(spec: TextInput) -> dict[str, Any]:
    block_id = INPUT_BLOCK_PREFIX + spec.id
    if not spec.id or len(block_id) > 255:
        raise ValueError(f"bad input id {spec.id[:40]!r}")
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION_ID,
        "multiline": spec.multiline,
    }
    if spec.max_length > 0:
        element["max_length"] = min(spec.max_length, MAX_INPUT_LENGTH)
    placeholder = _nonblank(spec.placeholder, MAX_PLACEHOLDER)
    if placeholder:
        element["placeholder"] = plain_text_object(placeholder)
    label = _nonblank(spec.label, MAX_LABEL) or _nonblank(spec.id, MAX_LABEL) or "…"
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain_text_object(label),
        "optional": not spec.required,
        "element": element,
    }
