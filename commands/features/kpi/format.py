"""KPI numbers as people read them: 1.2억원 / ₩1.2B, 12.3%, 1,234건, ▲ 4.2%."""

from __future__ import annotations

import math

from commands.features.kpi.catalogue import Format, NumberStyle, Unit
from commands.i18n import t

# Korean large units, largest first: 조 (10^12), 억 (10^8), 만 (10^4).
_KO_UNITS = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
_EN_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def _trim(number: float, decimals: int) -> str:
    """1.20 -> '1.2', 3.0 -> '3', with thousands separators."""
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _places(scaled: float, decimals: int) -> int:
    return max(decimals, 1) if scaled < 100 else 0


def _scaled(value: float, units: tuple[tuple[int, str], ...], decimals: int) -> tuple[str, str]:
    """In the largest unit the value reaches; one that rounds up to the next unit uses that one
    (9,999.96만 reads 1억, not 10,000만)."""
    magnitude = abs(value)
    for index, (size, suffix) in enumerate(units):
        if magnitude < size:
            continue
        scaled = magnitude / size
        places = _places(scaled, decimals)
        if index > 0 and round(scaled, places) * size >= units[index - 1][0]:
            bigger, bigger_suffix = units[index - 1]
            return _trim(magnitude / bigger, _places(magnitude / bigger, decimals)), bigger_suffix
        return _trim(scaled, places), suffix
    return _trim(magnitude, decimals), ""


def korean_amount(value: float, locale: str, decimals: int = 1) -> str:
    """1.2억 / 3,450만 / 9,800 (ko), 1.2B / 34.5M / 9.8K (en); the sign is kept."""
    if not math.isfinite(value):
        return "-"
    units = _KO_UNITS if locale == "ko" else _EN_UNITS
    number, suffix = _scaled(value, units, decimals)
    sign = "-" if value < 0 and number.strip("0.,") else ""
    return f"{sign}{number}{suffix}"


def format_value(value: float | None, unit: Unit, fmt: Format, locale: str) -> str:
    """The value with its unit, in the catalogue's style; '-' when there is none."""
    if value is None or not math.isfinite(value):
        return "-"
    if fmt.style is NumberStyle.KOREAN:
        amount = korean_amount(value, locale, fmt.decimals)
        return _with_unit(amount, unit, locale)
    if fmt.style is NumberStyle.PERCENT or unit is Unit.PERCENT:
        return f"{_trim(value, max(fmt.decimals, 1))}%"
    number = _trim(value, fmt.decimals)
    return _with_unit(number, unit, locale)


def _with_unit(number: str, unit: Unit, locale: str) -> str:
    if unit is Unit.KRW:
        sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{number}원" if locale == "ko" else f"{sign}₩{digits}"
    if unit is Unit.COUNT and locale != "ko":
        return number  # "1,234 orders" would need the noun; the KPI's name says it
    label = t(locale, f"kpi.unit.{unit.value}")
    return f"{number}{label}" if locale == "ko" else f"{number} {label}".rstrip()


def change_ratio(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / |previous|, or None when it cannot be said."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


def format_change(ratio: float | None) -> str:
    """'▲ 12.3%', '▼ 4%', '– 0%', or '-' when unknown."""
    if ratio is None or not math.isfinite(ratio):
        return "-"
    percent = ratio * 100
    if round(percent, 1) == 0:
        return "– 0%"
    arrow = "▲" if percent > 0 else "▼"
    return f"{arrow} {_trim(abs(percent), 1)}%"


def format_percent(ratio: float) -> str:
    """0.921 -> '92.1%'."""
    return f"{_trim(ratio * 100, 1)}%"
