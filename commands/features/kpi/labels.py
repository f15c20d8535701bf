"""How periods, scopes, times and sources read in Korean and English."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.features.kpi.periods import Period, PeriodKind
from commands.i18n import t
from commands.ports.kpi import KpiSourceSpec, SourceKind

_KO_WEEKDAYS = "월화수목금토일"


def weekday(day: date, locale: str) -> str:
    return _KO_WEEKDAYS[day.weekday()] if locale == "ko" else calendar.day_abbr[day.weekday()]


def short_date(day: date) -> str:
    return f"{day.month}/{day.day}"


def period_label(period: Period, locale: str) -> str:
    start = period.start
    if period.kind is PeriodKind.DAY:
        return t(locale, "kpi.period.day", date=start.isoformat(), weekday=weekday(start, locale))
    if period.kind is PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return t(locale, "kpi.period.week", year=year, week=week)
    if period.kind is PeriodKind.MONTH:
        return t(locale, "kpi.period.month", year=start.year, month=start.month,
                 month_name=calendar.month_name[start.month])  # fmt: skip
    if period.kind is PeriodKind.QUARTER:
        return t(locale, "kpi.period.quarter", year=start.year, quarter=(start.month - 1) // 3 + 1)
    return t(locale, "kpi.period.ytd", year=start.year)


def range_text(period: Period) -> str:
    if period.start == period.end:
        return period.start.isoformat()
    return f"{period.start.isoformat()} ~ {period.end.isoformat()}"


def compare_label(period: Period, locale: str) -> str:
    key = f"kpi.compare.{period.kind.value}" + (".running" if period.running else "")
    return t(locale, key)


def local_time(moment: datetime, tz: str) -> str:
    """'2026-10-15 06:00 KST'."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z").strip()


def source_label(spec: KpiSourceSpec, locale: str) -> str:
    if spec.kind is SourceKind.ERP:
        return t(locale, "kpi.source.erp", metric=spec.metric)
    return t(locale, "kpi.source.sql", database=spec.database)


def scope_label(department_name: str | None, locale: str) -> str:
    return department_name if department_name else t(locale, "kpi.scope.company")
