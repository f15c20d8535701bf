"""Small pieces shared by the settings groups."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic_settings import NoDecode

CsvList = Annotated[list[str], NoDecode]


def split_csv(value: Any) -> Any:
    """'a, b,,c' -> ['a', 'b', 'c'] (lists pass through)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
