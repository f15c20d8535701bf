"""The read-only SQL KPI source against real databases (SQLite file; PostgreSQL when configured): values
aggregated per grain and department subtree, as-of from the database, writes refused by the connection
itself, failures mapped to UpstreamUnavailable, and a `kpi` card from a SQL-backed catalogue entry."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from adapters.erp.sql_kpi import SqlKpiSource
from commands.errors import ConfigurationError, UpstreamUnavailable
from commands.features.kpi import KpiFeature, KpiReader, OrgDirectory, install
from commands.features.kpi.catalogue import parse_catalogue
from commands.features.kpi.source import ErpKpiSource
from commands.ports.clock import FrozenClock
from commands.ports.erp import Grain
from commands.ports.kpi import Aggregation, KpiRequest, KpiSourceSpec, SourceKind
from tests.fixtures.db import create_pg_database, drop_pg_database
from tests.fixtures.kpi import KpiEnv, rendered

QUERY = "SELECT day, dept, amount FROM daily_returns WHERE day BETWEEN :start AND :end"
AS_OF = "SELECT max(loaded_at) FROM etl_runs"
ROWS = [
    ("2026-10-01", "OPS-QA", 2.0),
    ("2026-10-01", "OPS-PRD", 3.0),
    ("2026-10-02", "OPS-QA", 4.0),
    ("2026-10-08", "OPS-QA", 6.0),
    ("2026-09-30", "OPS-QA", 100.0),
    ("2026-10-03", "SAL-1", None),
]


INSERTS = {
    "?": "INSERT INTO daily_returns VALUES (?, ?, ?)",
    "%s": "INSERT INTO daily_returns VALUES (%s, %s, %s)",
}


def fill(execute: object, placeholder: str) -> None:
    run = execute  # type: ignore[assignment]
    run("CREATE TABLE daily_returns (day DATE, dept TEXT, amount REAL)")  # type: ignore[operator]
    run("CREATE TABLE etl_runs (loaded_at TIMESTAMP)")  # type: ignore[operator]
    for row in ROWS:
        run(INSERTS[placeholder], row)  # type: ignore[operator]
    run("INSERT INTO etl_runs VALUES ('2026-10-15 05:45:00')")  # type: ignore[operator]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An 'ERP database' with a daily_returns table, as a sync SQLAlchemy URL."""
    if request.param == "sqlite":
        path = tmp_path / "warehouse.db"
        with sqlite3.connect(path) as conn:
            fill(conn.execute, "?")
        yield f"sqlite:///{path}"
        return
    url = create_pg_database("kpi_warehouse")
    try:
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            fill(conn.execute, "%s")
        yield url
    finally:
        drop_pg_database(url)


def request(
    aggregation: Aggregation = Aggregation.SUM,
    grain: Grain = Grain.DAY,
    department: str | None = None,
    codes: frozenset[str] = frozenset(),
) -> KpiRequest:
    spec = KpiSourceSpec(SourceKind.SQL, database="dw", query=QUERY, as_of_query=AS_OF)
    return KpiRequest(spec, aggregation, date(2026, 10, 1), date(2026, 10, 31), grain, department, codes)


async def test_values_per_grain_department_and_aggregation(warehouse: str) -> None:
    source = SqlKpiSource({"dw": warehouse}, clock=FrozenClock(datetime(2026, 10, 15, 3, tzinfo=UTC)))
    try:
        daily = await source.fetch(request())
        assert [(p.period_start.day, p.value) for p in daily.points] == [(1, 5.0), (2, 4.0), (8, 6.0)]
        assert daily.as_of == datetime(2026, 10, 15, 5, 45, tzinfo=UTC)
        weekly = await source.fetch(request(grain=Grain.WEEK))
        assert [(p.period_start, p.value) for p in weekly.points] == [
            (date(2026, 9, 28), 9.0),
            (date(2026, 10, 5), 6.0),
        ]
        qa = await source.fetch(request(Aggregation.AVG, Grain.MONTH, "OPS-QA", frozenset({"OPS-QA"})))
        assert [p.value for p in qa.points] == [4.0]
        ops = await source.fetch(
            request(Aggregation.LAST, Grain.MONTH, "OPS", frozenset({"OPS", "OPS-QA", "OPS-PRD"}))
        )
        assert [p.value for p in ops.points] == [6.0]
    finally:
        await source.aclose()


async def test_the_connection_itself_refuses_writes(warehouse: str) -> None:
    source = SqlKpiSource({"dw": warehouse})
    try:
        with pytest.raises(UpstreamUnavailable, match="dw"):
            await source.query("dw", "UPDATE daily_returns SET amount = 0", {})
        with pytest.raises(UpstreamUnavailable):
            await source.query("dw", "CREATE TABLE sneaky (a INT)", {})
        [(count,)] = await source.query("dw", "SELECT count(*) FROM daily_returns WHERE amount > 0", {})
        assert count == 5
        with pytest.raises(ValueError, match="must be a SELECT"):
            spec = KpiSourceSpec(SourceKind.SQL, database="dw", query="DELETE FROM daily_returns")
            await source.fetch(KpiRequest(spec, Aggregation.SUM, date(2026, 1, 1), date(2026, 1, 2)))
        with pytest.raises(UpstreamUnavailable):
            await source.query("dw", "SELECT nope FROM missing_table", {})
        with pytest.raises(ConfigurationError, match="no database named 'other'"):
            await source.query("other", "SELECT 1", {})
    finally:
        await source.aclose()


async def test_a_sql_kpi_gets_a_card(kpi_env: KpiEnv, tmp_path: Path) -> None:
    path = tmp_path / "dw.db"
    with sqlite3.connect(path) as conn:
        fill(conn.execute, "?")
    catalogue = parse_catalogue(
        {
            "kpis": [
                {
                    "id": "returns",
                    "names": {"ko": "반품", "en": "Returns"},
                    "unit": "count",
                    "source": {"kind": "sql", "database": "dw", "query": QUERY, "as_of_query": AS_OF},
                    "aggregation": "sum",
                    "good": "down",
                    "departments": ["OPS-QA", "OPS-PRD"],
                    "visibility": {"everyone": "company"},
                }
            ]
        },
        "sql.yaml",
    )
    sql = SqlKpiSource({"dw": f"sqlite:///{path}"})
    reader = KpiReader({SourceKind.SQL: sql, SourceKind.ERP: ErpKpiSource(kpi_env.erp)}, kpi_env.clock)
    install(kpi_env.services, KpiFeature(catalogue, reader, OrgDirectory(kpi_env.erp)))
    try:
        reply = await kpi_env.say(await kpi_env.caller(kpi_env.people.rnd_member, locale="en"), "kpi returns")
        teams, _ = rendered(reply.cards[0], "en")
        assert reply.text == "Returns (Company): 15"
        assert "ERP database (dw)" in str(teams) and "2026-10-15 14:45 KST" in str(teams)
    finally:
        await sql.aclose()
    with pytest.raises(ConfigurationError, match="no source configured for kind"):
        KpiFeature(
            catalogue,
            KpiReader({SourceKind.ERP: ErpKpiSource(kpi_env.erp)}, kpi_env.clock),
            OrgDirectory(kpi_env.erp),
        )
