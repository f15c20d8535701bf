"""A KPI source that reads an ERP database directly with a read-only SQL query (SQLAlchemy).

Read-only is enforced twice: every query must pass the catalogue's SELECT-only check, and the
connection itself cannot write where the dialect allows it (PostgreSQL: read-only transactions and a
statement timeout; SQLite: `PRAGMA query_only`; MySQL/MariaDB: `SET SESSION TRANSACTION READ ONLY`).
Give the database a read-only account as well. Queries run in a worker thread.

A query gets `:start` and `:end` (dates) and returns rows (day, department, value). Days are summed
over the asked department's subtree, then aggregated per grain. `as_of_query` (optional) returns one
timestamp (naive = UTC); without it the time of the read is the as-of time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from commands.errors import ConfigurationError, UpstreamUnavailable
from commands.features.kpi.catalogue import check_read_only
from commands.ports.clock import Clock, SystemClock
from commands.ports.erp import Grain, KpiPoint, KpiSeries
from commands.ports.kpi import Aggregation, KpiRequest

SERVICE = "ERP DB"


def _read_only(engine: Engine, timeout_ms: int) -> None:
    dialect = engine.dialect.name

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if dialect == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
            elif dialect == "postgresql":
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cursor.execute(f"SET statement_timeout = {int(timeout_ms)}")
            elif dialect in ("mysql", "mariadb"):
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
        finally:
            cursor.close()
        if dialect == "postgresql":
            dbapi_connection.commit()  # psycopg opened a transaction for the SETs


class SqlKpiSource:
    """Implements commands.ports.kpi.KpiSource for `kind: sql` catalogue entries. `databases` maps the
    catalogue's database names to SQLAlchemy URLs with a synchronous driver (secrets: from settings)."""

    def __init__(
        self, databases: Mapping[str, str], *, clock: Clock | None = None, timeout_seconds: float = 10.0
    ) -> None:
        self._clock = clock or SystemClock()
        self._engines: dict[str, Engine] = {}
        for name, url in databases.items():
            try:
                parsed = make_url(url)
            except ArgumentError as exc:
                raise ConfigurationError(f"KPI_SQL_DATABASES: {name}: the URL cannot be parsed") from exc
            engine = create_engine(parsed, pool_size=2, max_overflow=2, pool_pre_ping=True) if (
                parsed.get_backend_name() != "sqlite") else create_engine(parsed)  # fmt: skip
            _read_only(engine, int(timeout_seconds * 1000))
            self._engines[name] = engine

    def names(self) -> set[str]:
        return set(self._engines)

    async def fetch(self, request: KpiRequest) -> KpiSeries:
        """The series: rows of the query, kept to the department's subtree, aggregated per grain."""
        spec = request.spec
        check_read_only(spec.query)
        params = {"start": request.start, "end": request.end}
        rows = await self.query(spec.database, spec.query, params)
        as_of = self._clock.now()
        if spec.as_of_query:
            check_read_only(spec.as_of_query, "as_of_query")
            found = await self.query(spec.database, spec.as_of_query, {})
            as_of = _timestamp(found[0][0]) if found and found[0] and found[0][0] is not None else as_of
        points = aggregate_rows(rows, request)
        return KpiSeries(spec.database, "", request.grain, request.department, as_of, points)

    async def query(self, database: str, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run one statement on a read-only connection (the connection refuses writes by itself)."""
        engine = self._engines.get(database)
        if engine is None:
            raise ConfigurationError(f"KPI_SQL_DATABASES has no database named {database!r}")
        try:
            return await asyncio.to_thread(_run, engine, sql, dict(params))
        except SQLAlchemyError as exc:
            raise UpstreamUnavailable(SERVICE, f"{database}: {type(exc).__name__}: {str(exc)[:200]}") from exc

    async def aclose(self) -> None:
        for engine in self._engines.values():
            await asyncio.to_thread(engine.dispose)


def _run(engine: Engine, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(postgresql_readonly=True)
        try:
            return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            conn.rollback()


def _timestamp(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def period_start(day: date, grain: Grain) -> date:
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    return day


def aggregate_rows(rows: list[tuple[Any, ...]], request: KpiRequest) -> tuple[KpiPoint, ...]:
    """Sum each day over the departments asked for, then aggregate the days of each period."""
    daily: dict[date, float] = {}
    for row in rows:
        day, department, value = _day(row[0]), str(row[1]), row[2]
        if value is None or not request.start <= day <= request.end:
            continue
        if request.department is not None and department not in request.department_codes:
            continue
        daily[day] = daily.get(day, 0.0) + float(value)
    periods: dict[date, list[float]] = {}
    for day in sorted(daily):
        periods.setdefault(period_start(day, request.grain), []).append(daily[day])
    points = []
    for start, values in periods.items():
        if request.aggregation is Aggregation.LAST:
            value = values[-1]
        elif request.aggregation is Aggregation.AVG:
            value = sum(values) / len(values)
        else:
            value = sum(values)
        points.append(KpiPoint(start, value))
    return tuple(points)
