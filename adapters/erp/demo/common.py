"""Small things the demo ERP's modules share: the problem exception, time, cursors, numbers."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from commands.ports.clock import Clock

KST = ZoneInfo("Asia/Seoul")
WEB_BASE = "https://erp.hanbit.example"


class Problem(Exception):
    """An error answer (RFC 9457) with a machine `code`; `extra` adds members to the body."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


def stamp(at: datetime) -> str:
    """How the demo stores and sends times: Korean time, seconds, with offset (sorts as text)."""
    return at.astimezone(KST).isoformat(timespec="seconds")


def now_stamp(clock: Clock) -> str:
    return stamp(clock.now())


def today(clock: Clock) -> date:
    return clock.now().astimezone(KST).date()


def encode_cursor(*key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise Problem(400, "invalid_request", "bad cursor") from exc
    if not isinstance(key, list) or len(key) != size or not all(isinstance(k, str) for k in key):
        raise Problem(400, "invalid_request", "bad cursor")
    return key


def number(value: Decimal | str | int | float) -> int | float:
    """A JSON number: integral amounts stay integers (KRW has no minor unit)."""
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)
