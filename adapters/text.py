"""Text helpers both renderers share: the neutral markdown subset, length-safe clipping, chart summaries.

The neutral subset (see commands/cards.py) is **bold**, _italic_, `code` and [label](https://url).
`parse_markdown` splits a text into segments; each renderer escapes the segments for its platform, so
anything outside the subset shows literally.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from commands.i18n import t

ELLIPSIS = "…"
ZWSP = "\u200b"
SPARK_POINTS = 60

SegmentKind = Literal["text", "bold", "italic", "code", "link"]

_MARKDOWN = re.compile(
    r"\*\*(?P<bold>(?=\S)[^\n]+?(?<=\S))\*\*"
    r"|(?<![0-9A-Za-z_])_(?P<italic>(?=[^\s_])[^\n]+?(?<=[^\s_]))_(?![0-9A-Za-z_])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\[\]\n]{1,500})\]\((?P<url>https?://[^\s()<>\"'`|\\]{1,1000})\)"
)
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`|\\]{1,2990}")


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    text: str
    url: str = ""


def parse_markdown(text: str) -> list[Segment]:
    """Split `text` into plain and formatted segments of the neutral subset (no nesting)."""
    segments: list[Segment] = []
    pos = 0
    for match in _MARKDOWN.finditer(text):
        if match.start() > pos:
            segments.append(Segment("text", text[pos : match.start()]))
        if match["bold"] is not None:
            segments.append(Segment("bold", match["bold"]))
        elif match["italic"] is not None:
            segments.append(Segment("italic", match["italic"]))
        elif match["code"] is not None:
            segments.append(Segment("code", match["code"]))
        else:
            segments.append(Segment("link", match["label"], match["url"]))
        pos = match.end()
    if pos < len(text):
        segments.append(Segment("text", text[pos:]))
    return segments


def safe_url(url: str) -> str:
    """`url` if it is a plain http(s) URL that needs no escaping anywhere, else ""."""
    return url if _SAFE_URL.fullmatch(url) else ""


def utf16_len(text: str) -> int:
    """Length as platforms count it (UTF-16 code units): never less than `len(text)`.

    Same as `len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)` (a lone surrogate counts one),
    counted by the codec in C rather than character by character.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit(raw: str, limit: int, render: Callable[[str], str] = str) -> str:
    """`render(raw)`, or the rendering of the longest prefix of `raw` plus "…" that fits in `limit`."""
    # Rendering never shortens text, so a prefix of `limit` characters is all that can matter.
    whole = render(raw[: limit + 1])
    if len(raw) <= limit and _fits(whole, limit):
        return whole
    lo, hi = 0, min(len(raw), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if utf16_len(render(raw[:mid]) + ELLIPSIS) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return render(raw[:lo]) + ELLIPSIS


def _fits(text: str, limit: int) -> bool:
    """utf16_len(text) <= limit; a text of at most limit/2 characters fits whatever it holds."""
    return 2 * len(text) <= limit or utf16_len(text) <= limit


def split_fit(raw: str, limit: int, render: Callable[[str], str], max_parts: int) -> list[str]:
    """Render `raw` as up to `max_parts` pieces of at most `limit`, breaking at newlines when possible.

    Whatever does not fit in `max_parts` pieces is cut and marked with "…".
    """
    parts: list[str] = []
    rest = raw
    while rest and len(parts) < max_parts:
        if len(rest) <= limit:
            whole = render(rest)
            if _fits(whole, limit):
                parts.append(whole)
                return parts
        if len(parts) == max_parts - 1:
            parts.append(fit(rest, limit, render))
            return parts
        lo, hi = 1, min(len(rest), limit)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if utf16_len(render(rest[:mid])) <= limit:
                lo = mid
            else:
                hi = mid - 1
        newline = rest.rfind("\n", 0, lo)
        cut = newline + 1 if newline >= lo // 2 else lo
        parts.append(render(rest[:cut]))
        rest = rest[cut:]
    return parts


def format_number(value: float) -> str:
    """12345.0 -> '12,345'; 0.12345 -> '0.12'; big or small values keep 4 significant digits."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 0.01 <= abs(value) < 1e15:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def finite_points(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]


def sparkline(values: Sequence[float]) -> str:
    """▁▂▃▅▇-style trend of the finite values (empty string when there are none)."""
    bars = "▁▂▃▄▅▆▇█"
    points = finite_points(values)
    if not points:
        return ""
    low, high = min(points), max(points)
    span = high - low
    if span == 0 or not math.isfinite(span):
        return bars[3] * len(points)
    return "".join(bars[min(7, int((v - low) / span * 7 + 0.5))] for v in points)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(text: str) -> str:
    """Unix newlines; no control characters or lone surrogates (they break JSON/UTF-8 on the way out)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def chart_summary(points: Sequence[float], locale: str) -> str:
    """'▁▃▇ min 1 · max 9 · last 7' in the user's language; empty when there is no finite point."""
    values = finite_points(points)
    if not values:
        return ""
    stats = (
        f"{t(locale, 'render.chart.min')} {format_number(min(values))} · "
        f"{t(locale, 'render.chart.max')} {format_number(max(values))} · "
        f"{t(locale, 'render.chart.last')} {format_number(values[-1])}"
    )
    return f"{sparkline(values[-SPARK_POINTS:])}  {stats}"


def escape_entities(text: str) -> str:
    """Slack's escaping of its control characters: & < > as entities (after `clean`)."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
