"""The fast text helpers give exactly what their plain definitions give (utf16_len, fit, split_fit, clean)."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.render import escape_mrkdwn, translate_markdown
from adapters.text import ELLIPSIS, clean, escape_entities, fit, split_fit, utf16_len

# Any code point, lone surrogates included (str can hold them; the renderers must not crash on them).
_ANY = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=300)
_MIXED = st.text(alphabet=st.sampled_from("ab *_`[]()<>&\r\n\t가힣😀🇰🇷\u200b\ud800\U0010ffff"), max_size=200)
_RENDERS: list[Callable[[str], str]] = [str, escape_entities, escape_mrkdwn, translate_markdown]


def reference_utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def reference_fit(raw: str, limit: int, render: Callable[[str], str] = str) -> str:
    whole = render(raw[: limit + 1])
    if len(raw) <= limit and reference_utf16_len(whole) <= limit:
        return whole
    lo, hi = 0, min(len(raw), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if reference_utf16_len(render(raw[:mid]) + ELLIPSIS) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return render(raw[:lo]) + ELLIPSIS


def reference_split_fit(raw: str, limit: int, render: Callable[[str], str], max_parts: int) -> list[str]:
    parts: list[str] = []
    rest = raw
    while rest and len(parts) < max_parts:
        head = rest[: limit + 1]
        if len(rest) <= limit and reference_utf16_len(render(head)) <= limit:
            parts.append(render(rest))
            return parts
        if len(parts) == max_parts - 1:
            parts.append(reference_fit(rest, limit, render))
            return parts
        lo, hi = 1, min(len(rest), limit)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if reference_utf16_len(render(rest[:mid])) <= limit:
                lo = mid
            else:
                hi = mid - 1
        newline = rest.rfind("\n", 0, lo)
        cut = newline + 1 if newline >= lo // 2 else lo
        parts.append(render(rest[:cut]))
        rest = rest[cut:]
    return parts


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def reference_clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@settings(max_examples=500)
@given(st.one_of(_ANY, _MIXED))
def test_utf16_len_counts_like_the_definition(text: str) -> None:
    assert utf16_len(text) == reference_utf16_len(text)


def test_utf16_len_edges() -> None:
    assert utf16_len("") == 0
    assert utf16_len("abc") == 3
    assert utf16_len("가나다") == 3
    assert utf16_len("😀") == 2 and utf16_len("🇰🇷") == 4
    assert utf16_len("\ud800") == 1  # a lone surrogate is one code unit, not an error
    assert utf16_len("\ud83d\ude00") == 2  # two lone surrogates in a Python str stay two units


@settings(max_examples=300, deadline=None)
@given(_MIXED, st.integers(min_value=0, max_value=60), st.sampled_from(_RENDERS))
def test_fit_is_unchanged(raw: str, limit: int, render: Callable[[str], str]) -> None:
    assert fit(raw, limit, render) == reference_fit(raw, limit, render)


@settings(max_examples=300, deadline=None)
@given(
    _MIXED,
    st.integers(min_value=2, max_value=40),
    st.sampled_from(_RENDERS),
    st.integers(min_value=1, max_value=4),
)
def test_split_fit_is_unchanged(raw: str, limit: int, render: Callable[[str], str], parts: int) -> None:
    assert split_fit(raw, limit, render, parts) == reference_split_fit(raw, limit, render, parts)


@settings(max_examples=300)
@given(st.one_of(_ANY, _MIXED))
def test_clean_is_unchanged(text: str) -> None:
    assert clean(text) == reference_clean(text)
