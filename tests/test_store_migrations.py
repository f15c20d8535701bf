"""Alembic migrations: up from empty, down and up again, concurrent upgrades, schema == metadata."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection

from store import migrate
from store.db import Database, to_sync_url
from store.tables import metadata
from tests.fixtures.db import create_pg_database, drop_pg_database

FIRST = "0001_identity_targets"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that was never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh/bot.db"
        return
    url = create_pg_database("chatops_migrate")
    try:
        yield url
    finally:
        drop_pg_database(url)


def table_names(url: str) -> set[str]:
    engine = create_engine(to_sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_first_revision_keeps_its_id() -> None:
    script = ScriptDirectory.from_config(migrate.config())
    first = script.get_revision(FIRST)
    assert first is not None and first.down_revision is None
    assert FIRST in {rev.revision for rev in script.walk_revisions()}


def test_upgrade_from_empty_then_down_and_up_again(empty_url: str) -> None:
    assert migrate.current(empty_url) is None
    migrate.upgrade(empty_url)
    assert migrate.current_heads(empty_url) == set(migrate.heads())
    assert {"chat_user", "target", "alembic_version"} <= table_names(empty_url)

    migrate.upgrade(empty_url)  # already at head: nothing to do
    migrate.downgrade(empty_url, "base")
    assert migrate.current(empty_url) is None
    assert table_names(empty_url) == {"alembic_version"}
    migrate.upgrade(empty_url, FIRST)
    assert migrate.current(empty_url) == FIRST


@pytest.mark.postgres
def test_concurrent_upgrades_on_postgresql_take_turns() -> None:
    url = create_pg_database("chatops_migrate")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate.upgrade(url)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert migrate.current_heads(url) == set(migrate.heads())
    finally:
        drop_pg_database(url)


def _same_default(
    _ctx: Any,
    _inspected: Any,
    _column: Any,
    inspected_default: str | None,
    _default: Any,
    rendered: str | None,
) -> bool | None:
    """SQLite reflects DEFAULT '' as "('')": equal once quotes and brackets are stripped."""
    if inspected_default is None or rendered is None:
        return None
    if inspected_default.strip("()'\"") == rendered.strip("()'\""):
        return False
    return None


def _schema_diffs(conn: Connection) -> list[Any]:
    opts = {"compare_type": True, "compare_server_default": _same_default}
    return list(compare_metadata(MigrationContext.configure(conn, opts=opts), metadata))


async def test_migrated_schema_matches_the_table_metadata(database: Database) -> None:
    async with database.engine.connect() as conn:
        assert await conn.run_sync(_schema_diffs) == []
