"""One KPI for one period and scope: its value, the period before, the target and a trend, read through
the cached source. Shared by the `kpi` card and the digests."""

from __future__ import annotations

import asyncio
import calendar as cal
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from commands.businessdays import KoreanCalendar
from commands.cards import Tone
from commands.features.kpi.catalogue import Direction, KpiEntry, Target
from commands.features.kpi.format import change_ratio
from commands.features.kpi.org import OrgChart
from commands.features.kpi.periods import Period, PeriodKind
from commands.features.kpi.source import KpiReader, Reading
from commands.ports.erp import Grain, KpiPoint
from commands.ports.kpi import Aggregation, KpiRequest

MAX_CHART_POINTS = 31
_FLAT = 0.0005  # changes smaller than 0.05% are no change


@dataclass(frozen=True)
class Trend:
    kind: str  # "line" | "bar"
    grain: Grain
    points: tuple[KpiPoint, ...]


@dataclass(frozen=True)
class Snapshot:
    entry: KpiEntry
    period: Period
    previous_period: Period
    department: str | None
    value: float | None
    previous: float | None
    target: float | None
    as_of: datetime
    fetched_at: datetime
    trend: Trend | None

    @property
    def change(self) -> float | None:
        return change_ratio(self.value, self.previous)

    @property
    def attainment(self) -> float | None:
        if self.value is None or not self.target:
            return None
        return self.value / self.target

    @property
    def change_tone(self) -> Tone:
        return _tone(self.entry.good, self.change)

    @property
    def target_tone(self) -> Tone:
        attainment, good = self.attainment, self.entry.good
        if attainment is None or good is Direction.NEUTRAL:
            return Tone.DEFAULT
        met = attainment >= 1 if good is Direction.UP else attainment <= 1
        return Tone.GOOD if met else Tone.ATTENTION

    @property
    def off_target(self) -> bool:
        return self.target_tone is Tone.ATTENTION

    @property
    def empty(self) -> bool:
        return self.value is None


def _tone(good: Direction, delta: float | None) -> Tone:
    if delta is None or good is Direction.NEUTRAL or abs(delta) <= _FLAT:
        return Tone.DEFAULT
    better = delta > 0 if good is Direction.UP else delta < 0
    return Tone.GOOD if better else Tone.ATTENTION


def aggregate(points: tuple[KpiPoint, ...], how: Aggregation) -> float | None:
    """The period's value from its daily points; None when there is no point."""
    if not points:
        return None
    if how is Aggregation.LAST:
        return max(points, key=lambda p: p.period_start).value
    total = sum(p.value for p in points)
    return total / len(points) if how is Aggregation.AVG else total


def period_target(target: Target, value: float, start: date, end: date, calendar: KoreanCalendar) -> float:
    """The target of start..end: a level as is; a flow's target pro-rated day by day over its `per`."""
    if target.per is None:
        return value
    total = 0.0
    shares: dict[tuple[date, date], float] = {}
    day = start
    while day <= end:
        unit = _unit(day, target.per)
        share = shares.get(unit)
        if share is None:
            days = [unit[0] + timedelta(days=i) for i in range((unit[1] - unit[0]).days + 1)]
            if target.prorate == "business_days":
                days = [d for d in days if calendar.is_business_day(d)]
            share = shares[unit] = value / len(days) if days else 0.0
        if target.prorate == "calendar" or calendar.is_business_day(day):
            total += share
        day += timedelta(days=1)
    return total


def _unit(day: date, per: str) -> tuple[date, date]:
    if per == "day":
        return day, day
    if per == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if per == "month":
        return day.replace(day=1), day.replace(day=cal.monthrange(day.year, day.month)[1])
    if per == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        last = first + 2
        return date(day.year, first, 1), date(day.year, last, cal.monthrange(day.year, last)[1])
    return date(day.year, 1, 1), date(day.year, 12, 31)


def trend_window(period: Period) -> tuple[date, date, Grain, str]:
    """The trend shown with a period: daily lines up to a month, monthly bars beyond."""
    if period.kind is PeriodKind.DAY:
        return period.end - timedelta(days=13), period.end, Grain.DAY, "line"
    if period.kind is PeriodKind.WEEK:
        return period.start - timedelta(days=7), period.end, Grain.DAY, "line"
    if period.kind is PeriodKind.MONTH:
        return period.start, period.end, Grain.DAY, "line"
    if period.kind is PeriodKind.QUARTER:
        index = period.end.year * 12 + period.end.month - 1 - 5
        return date(index // 12, index % 12 + 1, 1), period.end, Grain.MONTH, "bar"
    return period.start, period.end, Grain.MONTH, "bar"


class SnapshotReader:
    """Reads snapshots through a KpiReader."""

    def __init__(self, reader: KpiReader, calendar: KoreanCalendar) -> None:
        self._reader = reader
        self._calendar = calendar

    async def read(
        self, entry: KpiEntry, period: Period, department: str | None, chart: OrgChart, *, trend: bool = True
    ) -> Snapshot:
        previous_period = period.previous()
        codes = chart.subtree(department) if department else frozenset()

        def request(start: date, end: date, grain: Grain = Grain.DAY) -> KpiRequest:
            return KpiRequest(entry.source.spec(), entry.aggregation, start, end, grain, department, codes)

        current_req = request(period.start, period.end)
        previous_req = request(previous_period.start, previous_period.end)
        start, end, grain, kind = trend_window(period)
        trend_req = request(start, end, grain)
        wanted = [current_req, previous_req] + ([trend_req] if trend and trend_req != current_req else [])
        readings: list[Reading] = list(await asyncio.gather(*(self._reader.read(r) for r in wanted)))
        current, previous = readings[0], readings[1]
        trend_reading = readings[2] if len(readings) > 2 else current
        base = entry.target_for(department)
        target = (
            period_target(entry.target, base, period.start, period.end, self._calendar)
            if entry.target is not None and base is not None
            else None
        )
        points = tuple(p for p in trend_reading.series.points if start <= p.period_start <= end)
        return Snapshot(
            entry=entry,
            period=period,
            previous_period=previous_period,
            department=department,
            value=aggregate(current.series.points, entry.aggregation),
            previous=aggregate(previous.series.points, entry.aggregation),
            target=target,
            as_of=current.series.as_of,
            fetched_at=current.fetched_at,
            trend=Trend(kind, grain, points[-MAX_CHART_POINTS:]) if trend and points else None,
        )
