"""Defensive readers for JSON from groupware APIs: never raise on unexpected shapes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_FRACTION = re.compile(r"(\.\d{6})\d+")


def obj(value: Any, key: str) -> Mapping[str, Any]:
    """`value[key]` when both are JSON objects, else an empty mapping."""
    if isinstance(value, Mapping):
        inner = value.get(key)
        if isinstance(inner, Mapping):
            return inner
    return {}


def text(value: Any, key: str) -> str:
    """`value[key]` as a string ("" when missing; numbers are accepted as ids often are)."""
    if isinstance(value, Mapping):
        inner = value.get(key)
        if isinstance(inner, str):
            return inner
        if isinstance(inner, int) and not isinstance(inner, bool):
            return str(inner)
    return ""


def items(value: Any, key: str) -> list[Any]:
    """`value[key]` when it is a JSON array, else []."""
    if isinstance(value, Mapping):
        inner = value.get(key)
        if isinstance(inner, list):
            return inner
    return []


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (UTC assumed when no offset); None if not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
