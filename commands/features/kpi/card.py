"""The KPI card: the value large, change against the period before and against the target coloured by
the KPI's good direction, the as-of time and source, a trend chart (Teams) / text trend (Slack), and
buttons for other periods. Plus the list of KPIs a user may see."""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from commands.cards import (
    Actions,
    Button,
    Card,
    Chart,
    ChartPoint,
    Divider,
    Element,
    Fact,
    Facts,
    Header,
    Style,
    Text,
    Tone,
)
from commands.features.kpi.catalogue import KpiEntry, NumberStyle, Unit
from commands.features.kpi.format import format_change, format_percent, format_value
from commands.features.kpi.labels import (
    compare_label,
    local_time,
    period_label,
    range_text,
    scope_label,
    short_date,
    source_label,
)
from commands.features.kpi.snapshot import Snapshot, Trend
from commands.i18n import t
from commands.ports.erp import Grain

SHOW = "kpi.show"
PERIOD_BUTTONS = ("this-month", "last-month", "this-quarter", "ytd")


def kpi_card(snap: Snapshot, locale: str, tz: str, department_name: str | None) -> Card:
    entry = snap.entry
    name = entry.name(locale)
    scope = scope_label(department_name, locale)
    title = f"{name} · {scope} · {period_label(snap.period, locale)}"
    value = format_value(snap.value, entry.unit, entry.format, locale)
    elements: list[Element] = [Header(title)]
    if snap.empty:
        elements.append(Text(t(locale, "kpi.no_data"), tone=Tone.SUBTLE, size="large"))
    else:
        elements.append(Text(value, tone=snap.target_tone, size="large"))
    elements.append(Facts(tuple(_facts(snap, locale, tz))))
    chart = trend_chart(snap, locale)
    if chart is not None:
        elements.append(chart)
    elements.append(Actions(_period_buttons(snap, locale)))
    summary = t(locale, "kpi.summary", name=name, scope=scope, value=value if not snap.empty else "-")
    return Card(summary=summary, elements=tuple(elements))


def _facts(snap: Snapshot, locale: str, tz: str) -> list[Fact]:
    entry = snap.entry
    previous = format_value(snap.previous, entry.unit, entry.format, locale)
    facts = [
        Fact(
            compare_label(snap.period, locale),
            t(locale, "kpi.change", change=format_change(snap.change), previous=previous),
            snap.change_tone,
        )
    ]
    if snap.target is not None:
        target = format_value(snap.target, entry.unit, entry.format, locale)
        attainment = format_percent(snap.attainment) if snap.attainment is not None else "-"
        key = "kpi.target.down" if entry.good.value == "down" else "kpi.target.up"
        facts.append(Fact(t(locale, "kpi.field.target"), t(locale, key, target=target, ratio=attainment),
                          snap.target_tone))  # fmt: skip
    facts += [
        Fact(t(locale, "kpi.field.period"), range_text(snap.period)),
        Fact(t(locale, "kpi.field.as_of"), local_time(snap.as_of, tz)),
        Fact(t(locale, "kpi.field.source"), source_label(entry.source.spec(), locale)),
    ]
    return facts


def _period_buttons(snap: Snapshot, locale: str) -> tuple[Button, ...]:
    department = snap.department or ""
    return tuple(
        Button(
            t(locale, f"kpi.button.{token}"),
            SHOW,
            {"kpi": snap.entry.id, "period": token, "department": department},
            Style.PRIMARY if i == 0 else Style.DEFAULT,
        )
        for i, token in enumerate(PERIOD_BUTTONS)
    )


def chart_scale(entry: KpiEntry, peak: float, locale: str) -> tuple[float, str]:
    """Divide chart values so the axis reads in 억원 / ₩M; the label names the unit."""
    if entry.unit is Unit.KRW and entry.format.style is NumberStyle.KOREAN:
        steps = ((1e12, "조원"), (1e8, "억원"), (1e4, "만원")) if locale == "ko" else (
            (1e12, "₩T"), (1e9, "₩B"), (1e6, "₩M"), (1e3, "₩K"))  # fmt: skip
        for size, label in steps:
            if peak >= size:
                return size, label
        return 1.0, "원" if locale == "ko" else "₩"
    if entry.unit is Unit.KRW:
        return 1.0, "원" if locale == "ko" else "₩"
    return 1.0, t(locale, f"kpi.unit.{entry.unit.value}").strip() or "%"


def trend_chart(snap: Snapshot, locale: str) -> Chart | None:
    trend = snap.trend
    if trend is None or not trend.points:
        return None
    entry = snap.entry
    divisor, unit = chart_scale(entry, max(abs(p.value) for p in trend.points), locale)
    labels = _x_labels(trend, locale)
    points = tuple(
        ChartPoint(label, round(p.value / divisor, 2)) for label, p in zip(labels, trend.points, strict=True)
    )
    first, last = trend.points[0], trend.points[-1]
    fallback = t(
        locale,
        "kpi.trend_text",
        first_label=labels[0],
        first=format_value(first.value, entry.unit, entry.format, locale),
        last_label=labels[-1],
        last=format_value(last.value, entry.unit, entry.format, locale),
    )
    title = t(locale, f"kpi.trend.{trend.grain.value}", unit=unit)
    return Chart(kind=trend.kind, title=title, points=points, fallback=fallback)


def _x_labels(trend: Trend, locale: str) -> Sequence[str]:
    days = [p.period_start for p in trend.points]
    if trend.grain is Grain.DAY:
        return [short_date(d) for d in days]
    if trend.grain is Grain.WEEK:
        return [f"W{d.isocalendar()[1]}" for d in days]
    if len({d.year for d in days}) > 1:
        return [f"{d.year % 100:02d}.{d.month:02d}" for d in days]
    return [f"{d.month}월" if locale == "ko" else calendar.month_abbr[d.month] for d in days]


def list_card(rows: Sequence[tuple[KpiEntry, str]], locale: str) -> Card:
    """The KPIs the user may see, each with what of it they may see and a button to open it."""
    title = t(locale, "kpi.list.title", count=len(rows))
    if not rows:
        text = t(locale, "kpi.list.empty")
        return Card(summary=text, elements=(Header(title), Text(text, tone=Tone.SUBTLE)))
    elements: list[Element] = [Header(title), Text(t(locale, "kpi.list.intro"), tone=Tone.SUBTLE)]
    for entry, scope in rows:
        words = ", ".join(dict.fromkeys((entry.names.ko, entry.names.en, entry.id, *entry.aliases[:2])))
        elements += [
            Divider(),
            Facts((Fact(entry.name(locale), scope), Fact(t(locale, "kpi.list.words"), words))),
            Actions((Button(t(locale, "kpi.button.open"), SHOW, {"kpi": entry.id, "period": "this-month"}),)),
        ]
    return Card(summary=title, elements=tuple(elements))
