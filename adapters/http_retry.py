"""Retry timing shared by the HTTP clients: reading a Retry-After header, and jittered exponential backoff."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Delta-seconds, also with a fraction and a sign; no exponents, nan, inf or non-ASCII digits.
_SECONDS = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), never negative;
    None when the header is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return max(0.0, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def equal_jitter(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Backoff for retry number `attempt` (0-based): half the exponential ceiling plus a random other half."""
    ceiling = _ceiling(attempt, base, cap)
    return ceiling / 2 + _uniform(rng)(0, ceiling / 2)


def full_jitter(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Backoff for retry number `attempt` (0-based): anywhere between 0 and the exponential ceiling."""
    return _uniform(rng)(0, _ceiling(attempt, base, cap))


def _ceiling(attempt: int, base: float, cap: float) -> float:
    return min(cap, base * 2.0**attempt)


def _uniform(rng: random.Random | None) -> Callable[[float, float], float]:
    return rng.uniform if rng is not None else random.uniform
