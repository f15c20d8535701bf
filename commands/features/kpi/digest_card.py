"""The digest card: one line per KPI, the ones off target first, each coloured by its target (or, without
one, by its change), with the oldest as-of time of the figures shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commands.cards import Card, Element, Fact, Facts, Header, Text, Tone
from commands.features.kpi.format import format_change, format_percent, format_value
from commands.features.kpi.labels import (
    compare_label,
    local_time,
    period_label,
    scope_label,
    short_date,
    weekday,
)
from commands.features.kpi.periods import Period
from commands.features.kpi.snapshot import Snapshot
from commands.i18n import t
from commands.ports.kpi import DigestSubscription


@dataclass(frozen=True)
class Line:
    main: Snapshot
    latest: Snapshot | None
    department_name: str | None


def ordered(lines: Sequence[Line]) -> list[Line]:
    """Off-target KPIs first; otherwise the subscription's order."""
    return sorted(lines, key=lambda line: not line.main.off_target)


def digest_card(
    lines: Sequence[Line],
    hidden: Sequence[str],
    sub: DigestSubscription,
    local: datetime,
    period: Period,
    *,
    preview: bool = False,
) -> Card:
    locale = sub.locale
    title = t(
        locale, "digest.card.title", date=local.date().isoformat(), weekday=weekday(local.date(), locale)
    )
    elements: list[Element] = [Header(title)]
    if preview:
        elements.append(Text(t(locale, "digest.card.preview"), tone=Tone.WARNING))
    off = sum(line.main.off_target for line in lines)
    with_target = sum(line.main.target is not None and not line.main.empty for line in lines)
    if off:
        headline, tone = t(locale, "digest.card.off_target", count=off), Tone.ATTENTION
    elif with_target:
        headline, tone = t(locale, "digest.card.on_target"), Tone.GOOD
    else:
        headline, tone = t(locale, "digest.card.no_targets", count=len(lines)), Tone.DEFAULT
    elements.append(Text(headline, tone=tone))
    if lines:
        elements.append(Facts(tuple(_fact(line, locale) for line in ordered(lines))))
    elements += [Text(t(locale, "digest.card.hidden", kpi=name), tone=Tone.SUBTLE) for name in hidden]
    as_of = min((line.main.as_of for line in lines), default=None)
    footer = t(
        locale,
        "digest.card.footer",
        period=period_label(period, locale),
        as_of=local_time(as_of, sub.timezone) if as_of else "-",
        id=sub.id if sub.id is not None else "-",
    )
    elements.append(Text(footer, tone=Tone.SUBTLE, size="small"))
    return Card(summary=f"{title} · {headline}", elements=tuple(elements))


def _fact(line: Line, locale: str) -> Fact:
    snap = line.main
    entry = snap.entry
    label = f"{entry.name(locale)} · {scope_label(line.department_name, locale)}"
    if snap.empty:
        return Fact(label, t(locale, "digest.card.no_data"), Tone.SUBTLE)
    value = t(
        locale,
        "digest.card.line",
        value=format_value(snap.value, entry.unit, entry.format, locale),
        compare=compare_label(snap.period, locale),
        change=format_change(snap.change),
    )
    if snap.attainment is not None:
        value += t(locale, "digest.card.line_target", ratio=format_percent(snap.attainment))
    latest = line.latest
    if latest is not None and not latest.empty:
        value += t(
            locale,
            "digest.card.latest",
            day=short_date(latest.period.start),
            value=format_value(latest.value, entry.unit, entry.format, locale),
        )
    tone = snap.target_tone if snap.target is not None else snap.change_tone
    return Fact(label, value, tone)
