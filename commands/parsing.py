"""Turning typed text into a command word and its arguments."""

from __future__ import annotations

import re

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")
MAX_TEXT = 4000


def strip_mentions(text: str) -> str:
    """Teams channel messages arrive as '<at>Bot</at> cmd': drop the mention."""
    return _MENTION.sub(" ", text)


def split_command(text: str) -> tuple[str, str]:
    """'  Help   kpi ' -> ('help', 'kpi'). A leading '/' is tolerated ('/help')."""
    cleaned = _SPACES.sub(" ", strip_mentions(text[:MAX_TEXT]).replace("\u00a0", " ")).strip()
    if not cleaned:
        return "", ""
    word, _, rest = cleaned.partition(" ")
    return word.lstrip("/").lower(), rest.strip()
