"""The KPI catalogue: the shipped file loads and agrees with the demo ERP; every bad entry is reported on
its own line naming the entry and the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from commands.errors import ConfigurationError
from commands.features.kpi.catalogue import check_read_only, load_catalogue, parse_catalogue
from commands.features.kpi.feature import verify_catalogue
from tests.fixtures.erp import DemoErp
from tests.fixtures.kpi import CATALOG_PATH

GOOD: dict[str, Any] = {
    "id": "sales",
    "names": {"ko": "매출", "en": "Sales"},
    "unit": "KRW",
    "source": {"kind": "erp", "metric": "sales"},
    "aggregation": "sum",
    "target": {"value": 100, "per": "month"},
    "good": "up",
    "departments": ["SAL-1"],
}


def entry(**changes: Any) -> dict[str, Any]:
    item = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


def errors_of(*items: Any) -> list[str]:
    with pytest.raises(ConfigurationError) as info:
        parse_catalogue({"version": 1, "kpis": list(items)}, "kpi.yaml")
    return str(info.value).splitlines()


def test_the_shipped_catalogue_loads_with_lookup_by_any_name() -> None:
    catalogue = load_catalogue(CATALOG_PATH)
    assert [e.id for e in catalogue] == [
        "sales",
        "orders",
        "production_output",
        "inventory",
        "receivables",
        "headcount",
        "overtime",
    ]
    for word, kpi in [
        ("매출", "sales"),
        ("SALES", "sales"),
        ("수주 건수", "orders"),
        ("Production Output", "production_output"),
        ("overtime_hours", "overtime"),
        ("미수금", "receivables"),
    ]:
        found = catalogue.find(word)
        assert found is not None and found.id == kpi, word


async def test_the_shipped_catalogue_agrees_with_the_demo_erp(erp_demo: DemoErp) -> None:
    client = erp_demo.client()
    try:
        assert await verify_catalogue(load_catalogue(CATALOG_PATH), client) == []
        bad = parse_catalogue(
            {
                "kpis": [
                    entry(source={"kind": "erp", "metric": "sales_typo"}, departments=["NOPE"]),
                    entry(
                        id="inv",
                        names={"ko": "재고", "en": "Inv"},
                        aggregation="sum",
                        source={"kind": "erp", "metric": "inventory"},
                    ),
                ]
            }
        )
        problems = await verify_catalogue(bad, client)
    finally:
        await client.aclose()
    assert any("no KPI 'sales_typo'" in p for p in problems)
    assert any("no department NOPE" in p for p in problems)
    assert any("inv: aggregation sum but the ERP says last" in p for p in problems)


def test_each_bad_entry_gets_its_own_line_naming_it() -> None:
    lines = errors_of(
        entry(),
        entry(id="Bad Id", names={"ko": "가", "en": "A"}),
        entry(id="flow", names={"ko": "나", "en": "B"}, target={"value": 5}),
        entry(
            id="stock", names={"ko": "다", "en": "C"}, aggregation="last", target={"value": 5, "per": "month"}
        ),
        entry(id="who", names={"ko": "라", "en": "D"}, visibility={"roles": ["ceo"]}),
        entry(id="unit", names={"ko": "마", "en": "E"}, unit="furlongs"),
        entry(id="extra", names={"ko": "바", "en": "F"}, colour="red"),
        entry(id="dup", names={"ko": "매출", "en": "G"}),
        entry(),
    )
    assert len(lines) == 8, lines
    assert lines[0].startswith("kpi.yaml: kpis[1] (Bad Id): id:")
    assert "kpis[2] (flow)" in lines[1] and "target.per is required" in lines[1]
    assert "kpis[3] (stock)" in lines[2] and "makes no sense for a `last` KPI" in lines[2]
    assert "kpis[4] (who)" in lines[3] and "unknown role(s) ceo" in lines[3]
    assert "kpis[5] (unit)" in lines[4] and "unit:" in lines[4]
    assert "kpis[6] (extra)" in lines[5] and "colour" in lines[5]
    assert "kpis[7] (dup)" in lines[6] and "'매출' is already used by sales" in lines[6]
    assert "kpis[8] (sales)" in lines[7] and "duplicate id 'sales'" in lines[7]


def test_sources_are_checked() -> None:
    lines = errors_of(
        entry(source={"kind": "erp"}),
        entry(id="s1", names={"ko": "가", "en": "A"}, source={"kind": "sql", "database": "dw"}),
        entry(
            id="s2",
            names={"ko": "나", "en": "B"},
            source={
                "kind": "sql",
                "database": "dw",
                "query": "DELETE FROM t WHERE d BETWEEN :start AND :end",
            },
        ),
        entry(
            id="s3",
            names={"ko": "다", "en": "C"},
            source={"kind": "sql", "database": "dw", "query": "SELECT 1; DROP TABLE t"},
        ),
        entry(
            id="s4",
            names={"ko": "라", "en": "D"},
            source={"kind": "sql", "database": "dw", "query": "SELECT day, dept, v FROM t"},
        ),
        entry(
            id="s5",
            names={"ko": "마", "en": "E"},
            source={
                "kind": "sql",
                "database": "dw",
                "query": "SELECT d, x, v FROM t WHERE d BETWEEN :start AND :end",
                "metric": "sales",
            },
        ),
    )
    assert len(lines) == 6, lines
    assert "erp source needs `metric`" in lines[0]
    assert "sql source needs `database`" in lines[1]
    assert "must be a SELECT" in lines[2]
    assert "single statement" in lines[3]
    assert "filter by :start and :end" in lines[4]
    assert "(s5)" in lines[5]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a FROM t WHERE note = 'delete me'",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "select last_update, updated_by from t;",
    ],
)
def test_reading_queries_pass(sql: str) -> None:
    check_read_only(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE t SET a = 1",
        "SELECT 1; SELECT 2",
        "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
        "PRAGMA writable_schema = 1",
        "select * into new_t from t; ",
        "ATTACH 'x.db' AS y",
    ],
)
def test_writing_queries_are_refused(sql: str) -> None:
    with pytest.raises(ValueError):
        check_read_only(sql)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "non-empty `kpis:`"),
        ("kpis: []", "non-empty `kpis:`"),
        ("version: 2\nkpis: [{}]", "unsupported version"),
        ("kpis: [unclosed", "cannot be read"),
    ],
)
def test_bad_files_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kpi.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_catalogue(path)


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"KPI_CATALOG: .* does not exist"):
        load_catalogue(tmp_path / "nope.yaml")


def test_the_shipped_yaml_documents_every_entry_field() -> None:
    raw = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    header = CATALOG_PATH.read_text(encoding="utf-8").split("version:")[0]
    for field in {k for item in raw["kpis"] for k in item}:
        assert f"#   {field}" in header, f"{field} is not explained in the catalogue's header"
