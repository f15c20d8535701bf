"""How approval values read in Korean and English: types, steps, money, times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from commands.i18n import CATALOG, t

_STATE_ICONS = {
    "waiting": "⌛",
    "current": "⏳",
    "approved": "✅",
    "rejected": "⛔",
    "on_hold": "⏸️",
    "skipped": "⏭️",
    "read": "👁️",
}


def type_label(locale: str, kind: str) -> str:
    key = f"approval.type.{kind}"
    return t(locale, key if key in CATALOG else "approval.type.other")


def step_kind(locale: str, kind: str) -> str:
    key = f"approval.kind.{kind}"
    return t(locale, key) if key in CATALOG else kind


def step_state(locale: str, state: str) -> str:
    key = f"approval.state.{state}"
    label = t(locale, key) if key in CATALOG else state
    return f"{_STATE_ICONS.get(state, '')} {label}".strip()


def status_label(locale: str, status: str) -> str:
    key = f"approval.status.{status}"
    return t(locale, key) if key in CATALOG else status


def action_label(locale: str, action: str) -> str:
    return t(locale, f"approval.button.{action}")


def money(locale: str, amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "-"
    quantized = amount.quantize(Decimal(1)) if currency == "KRW" else amount
    number = f"{quantized:,}"
    if currency == "KRW":
        return f"{number}원" if locale == "ko" else f"KRW {number}"
    return f"{currency} {number}"


def local_time(at: datetime | None, tz: str) -> str:
    if at is None:
        return "-"
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
