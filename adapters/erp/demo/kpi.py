"""KPI facts of the demo ERP: a deterministic 18-month daily history per department with weekday,
holiday, month-end and yearly seasonality, and the period aggregation the contract describes."""

from __future__ import annotations

import bisect
import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.erp.demo.common import Problem
from adapters.erp.demo.org import Org
from adapters.erp.demo.repo_org import subtree
from commands.holidays_kr import korean_public_holidays

SALES_TEAMS = {"SAL-1": 22_000_000.0, "SAL-2": 15_000_000.0}  # KRW per business day
MONTH_FACTOR = (0.92, 0.88, 1.02, 1.0, 0.98, 1.04, 0.97, 0.9, 1.03, 1.05, 1.08, 1.15)
STOCK_TARGETS = {"OPS-PUR": 850_000_000.0, "OPS-PRD": 620_000_000.0}


@dataclass(frozen=True)
class Metric:
    metric: str
    name: str
    name_en: str
    unit: str
    aggregation: str  # sum | last


METRICS = (
    Metric("sales", "매출액", "Sales", "KRW", "sum"),
    Metric("orders", "수주 건수", "Orders", "count", "sum"),
    Metric("production_output", "생산량", "Production output", "EA", "sum"),
    Metric("inventory", "재고자산", "Inventory", "KRW", "last"),
    Metric("receivables", "매출채권", "Receivables", "KRW", "last"),
    Metric("headcount", "인원", "Headcount", "persons", "last"),
    Metric("overtime_hours", "초과근무시간", "Overtime hours", "hours", "sum"),
)


def history_start(today: date) -> date:
    """The first day of the month 18 months before `today`."""
    months = today.year * 12 + today.month - 1 - 18
    return date(months // 12, months % 12 + 1, 1)


def _days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def generate(org: Org, today: date, rng: random.Random) -> list[tuple[str, str, str, float]]:
    """(metric, department, day, value) rows from history_start(today) to yesterday."""
    start, end = history_start(today), today - timedelta(days=1)
    kr_holidays: set[date] = set().union(
        *(korean_public_holidays(y) for y in range(start.year, today.year + 1))
    )
    hires = {code: sorted(p.hired_on for p in org.members(code)) for code, *_ in org.departments}
    receivable = {team: base * 32 for team, base in SALES_TEAMS.items()}
    stock = dict(STOCK_TARGETS)
    rows: list[tuple[str, str, str, float]] = []
    for day in _days(start, end):
        iso = day.isoformat()
        workday = day.weekday() < 5 and day not in kr_holidays
        saturday = day.weekday() == 5 and day not in kr_holidays
        season = MONTH_FACTOR[day.month - 1] * (1 + 0.08 * (day - start).days / 365)
        month_end = 1.25 if day.day >= 25 else 1.0
        for team, base in SALES_TEAMS.items():
            activity = 1.0 if workday else 0.12 if saturday else 0.02
            sales = max(0.0, base * activity * season * month_end * rng.gauss(1, 0.15))
            orders = max(0, round(base / 4_000_000 * activity * season * rng.gauss(1, 0.3)))
            receivable[team] = receivable[team] * (1 - (1 / 32 if workday else 0)) + sales
            rows += [
                ("sales", team, iso, round(sales, -3)),
                ("orders", team, iso, float(orders)),
                ("receivables", team, iso, round(receivable[team], -3)),
            ]
        shift = 1.0 if workday else 0.35 if saturday else 0.0
        rows.append(("production_output", "OPS-PRD", iso, float(round(5200 * shift * rng.gauss(1, 0.08)))))
        for code, target in STOCK_TARGETS.items():
            if workday:
                goal = target * (1.12 if day.month in (9, 10) else 1.0)
                stock[code] += 0.15 * (goal - stock[code]) + rng.gauss(0, 0.03 * target)
            rows.append(("inventory", code, iso, round(stock[code], -3)))
        for code, hired in hires.items():
            heads = bisect.bisect_right(hired, day)
            rows.append(("headcount", code, iso, float(heads)))
            if workday or (saturday and code == "OPS-PRD"):
                per_head = 1.4 if code == "OPS-PRD" else 0.6
                if code == "MGT-FIN" and (day.day >= 25 or day.day <= 3):
                    per_head += 1.5  # month-end closing
                hours = heads * max(0.0, rng.gauss(per_head, 0.25)) * (0.5 if saturday else 1.0)
                rows.append(("overtime_hours", code, iso, round(hours, 1)))
    return rows


def store(conn: sqlite3.Connection, rows: list[tuple[str, str, str, float]]) -> None:
    departments: dict[str, set[str]] = {}
    for metric, code, _, _ in rows:
        departments.setdefault(metric, set()).add(code)
    conn.executemany(
        "INSERT INTO kpi_metrics VALUES (?,?,?,?,?,?,?)",
        [
            (
                m.metric,
                m.name,
                m.name_en,
                m.unit,
                m.aggregation,
                json.dumps(sorted(departments.get(m.metric, ()))),
                i,
            )
            for i, m in enumerate(METRICS)
        ],
    )
    conn.executemany("INSERT INTO kpi_facts VALUES (?,?,?,?)", rows)


def catalogue(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT * FROM kpi_metrics ORDER BY sort")
    return {
        "items": [
            {
                "metric": r["metric"],
                "name": r["name"],
                "name_en": r["name_en"],
                "unit": r["unit"],
                "aggregation": r["aggregation"],
                "departments": json.loads(r["departments"]),
            }
            for r in rows
        ]
    }


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def values(
    conn: sqlite3.Connection, metric: str, start: date, end: date, grain: str, department: str | None
) -> dict[str, Any]:
    """The series of `metric`: days summed over departments, then aggregated per period."""
    meta = conn.execute("SELECT unit, aggregation FROM kpi_metrics WHERE metric = ?", (metric,)).fetchone()
    if meta is None:
        raise Problem(404, "not_found", f"no metric {metric}")
    where, args = "metric = ? AND day BETWEEN ? AND ?", [metric, start.isoformat(), end.isoformat()]
    if department:
        codes = subtree(conn, department)
        if not codes:
            raise Problem(404, "not_found", f"no department {department}")
        where += f" AND department_code IN ({','.join('?' * len(codes))})"
        args += codes
    daily = conn.execute(
        f"SELECT day, SUM(value) AS v FROM kpi_facts WHERE {where} GROUP BY day ORDER BY day",  # noqa: S608
        args,
    )
    periods: dict[date, float] = {}
    for row in daily:
        key = period_start(date.fromisoformat(row["day"]), grain)
        total = row["v"] if meta["aggregation"] == "last" else periods.get(key, 0.0) + row["v"]
        periods[key] = total
    as_of = conn.execute("SELECT value FROM meta WHERE key = 'kpi_as_of'").fetchone()
    return {
        "metric": metric,
        "unit": meta["unit"],
        "grain": grain,
        "department": department,
        "as_of": as_of["value"],
        "points": [{"period_start": k.isoformat(), "value": round(v, 2)} for k, v in periods.items()],
    }
