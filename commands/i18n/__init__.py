"""The message catalogue: every user-facing string, in Korean and English.

Each feature keeps its strings in a module of this package (`MESSAGES = {key: {"ko": ..., "en": ...}}`);
they are merged here into one catalogue, and a duplicate key fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commands.i18n import approvals as _approvals
from commands.i18n import core as _core
from commands.i18n import erp as _erp
from commands.i18n import kpi as _kpi
from commands.i18n import link as _link
from commands.i18n import manifests as _manifests
from commands.i18n import nudges as _nudges
from commands.i18n import playground as _playground
from commands.i18n import render as _render
from commands.i18n import slack as _slack

LOCALES = ("ko", "en")
DEFAULT_LOCALE = "ko"

_MODULES: tuple[Mapping[str, Mapping[str, str]], ...] = (
    _core.MESSAGES,
    _slack.MESSAGES,
    _erp.MESSAGES,
    _render.MESSAGES,
    _link.MESSAGES,
    _manifests.MESSAGES,
    _playground.MESSAGES,
    _kpi.MESSAGES,
    _approvals.MESSAGES,
    _nudges.MESSAGES,
)


def _merge(*parts: Mapping[str, Mapping[str, str]]) -> dict[str, Mapping[str, str]]:
    merged: dict[str, Mapping[str, str]] = {}
    for part in parts:
        for key, texts in part.items():
            if key in merged:
                raise ValueError(f"duplicate message key {key!r}")
            merged[key] = texts
    return merged


CATALOG: dict[str, Mapping[str, str]] = _merge(*_MODULES)


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add a feature's messages (called at import of the feature module)."""
    for key, texts in messages.items():
        if key in CATALOG and CATALOG[key] != texts:
            raise ValueError(f"duplicate message key {key!r}")
        CATALOG[key] = texts


def normalize_locale(raw: str | None, default: str = DEFAULT_LOCALE) -> str:
    """'ko-KR' -> 'ko', 'en_US' -> 'en', anything else -> default."""
    if not raw:
        return default
    lang = raw.replace("_", "-").split("-", 1)[0].lower()
    return lang if lang in LOCALES else default


def t(locale: str, key: str, **params: Any) -> str:
    """The message `key` in `locale` (falls back to Korean, then to the key itself)."""
    texts = CATALOG.get(key)
    if texts is None:
        return key
    template = texts.get(locale) or texts.get(DEFAULT_LOCALE) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
