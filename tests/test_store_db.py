"""The engine wrapper: URL normalisation, ping, SQLite pragmas, retrying a unit of work."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.errors import ChatOpsError, ConfigurationError
from store.db import Database, parse_url, to_sync_url
from store.errors import DatabaseUnavailable


@pytest.mark.parametrize(
    ("url", "dialect", "async_url", "sync_url"),
    [
        ("sqlite:///var/bot.db", "sqlite", "sqlite+aiosqlite:///var/bot.db", "sqlite:///var/bot.db"),
        (
            "sqlite+aiosqlite:////abs/bot.db",
            "sqlite",
            "sqlite+aiosqlite:////abs/bot.db",
            "sqlite:////abs/bot.db",
        ),
        (
            "postgresql://u:p@h/db",
            "postgresql",
            "postgresql+psycopg://u:p@h/db",
            "postgresql+psycopg://u:p@h/db",
        ),
        (
            "postgres://u@h:5433/db",
            "postgresql",
            "postgresql+psycopg://u@h:5433/db",
            "postgresql+psycopg://u@h:5433/db",
        ),
        ("postgresql+psycopg://h/db", "postgresql", "postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
    ],
)
def test_urls_are_normalised_to_async_and_sync_drivers(
    url: str, dialect: str, async_url: str, sync_url: str
) -> None:
    parsed_dialect, parsed = parse_url(url)
    assert parsed_dialect == dialect
    assert parsed.render_as_string(hide_password=False) == async_url
    assert to_sync_url(url) == sync_url


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite://", "sqlite:///:memory:", "not a url"])
def test_unsupported_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Database.from_url(url)


async def test_from_url_exposes_dialect_and_urls_without_leaking_the_password() -> None:
    db = Database.from_url("postgres://bot:s3cret@127.0.0.1:1/chatops")
    try:
        assert db.dialect == "postgresql"
        assert db.sync_url == "postgresql+psycopg://bot:s3cret@127.0.0.1:1/chatops"
        assert "s3cret" not in repr(db)
    finally:
        await db.dispose()


async def test_ping_answers_on_a_migrated_database(database: Database) -> None:
    await database.ping()


async def test_ping_on_an_unreachable_server_is_database_unavailable() -> None:
    db = Database.from_url("postgresql://nobody@127.0.0.1:1/nothing")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await db.ping()
        assert isinstance(caught.value, ChatOpsError)
        assert caught.value.key == "error.internal"
    finally:
        await db.dispose()


async def test_ping_on_an_unusable_sqlite_path_is_database_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    db = Database.from_url(f"sqlite:///{blocker}/bot.db")
    try:
        with pytest.raises(DatabaseUnavailable):
            await db.ping()
    finally:
        await db.dispose()
        await _aiosqlite_threads_finished()


async def _aiosqlite_threads_finished() -> None:
    """aiosqlite stops the worker of a failed connection without awaiting it; let it finish while our
    event loop still runs, or it reports to a closed loop."""
    for _ in range(1000):
        if not any(t.is_alive() and "_connection_worker_thread" in t.name for t in threading.enumerate()):
            return
        await asyncio.sleep(0.002)


async def test_sqlite_file_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path}/nested/dir/bot.db")
    try:
        async with db.session() as session:
            conn = await session.connection()
            pragmas = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}
        assert (tmp_path / "nested" / "dir" / "bot.db").exists()
    finally:
        await db.dispose()


async def test_run_commits_and_retries_a_transient_failure(database: Database) -> None:
    calls = 0

    async def work(session: AsyncSession) -> str:
        nonlocal calls
        calls += 1
        conn = await session.connection()
        await conn.execute(
            text(
                "INSERT INTO chat_user (platform, tenant_id, user_id, created_at, updated_at) "
                "VALUES ('slack', 'T1', :user, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"user": f"U{calls}"},
        )
        if calls < 3:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return "done"

    assert await database.run(work, retries=3) == "done"
    async with database.session() as session:
        conn = await session.connection()
        users = (await conn.execute(text("SELECT user_id FROM chat_user"))).scalars().all()
    assert calls == 3
    assert users == ["U3"]  # the failed attempts were rolled back


async def test_run_gives_up_with_database_unavailable(database: Database) -> None:
    calls = 0

    async def work(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with pytest.raises(DatabaseUnavailable):
        await database.run(work, retries=2)
    assert calls == 3


async def test_run_does_not_retry_integrity_errors(database: Database) -> None:
    calls = 0
    insert = text(
        "INSERT INTO chat_user (platform, tenant_id, user_id, created_at, updated_at) "
        "VALUES ('slack', 'T1', 'U1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )

    async def work(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        conn = await session.connection()
        await conn.execute(insert)
        await conn.execute(insert)

    with pytest.raises(IntegrityError):
        await database.run(work)
    assert calls == 1


async def test_a_write_lock_held_elsewhere_ends_in_database_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    db = Database.from_url(f"sqlite:///{path}", busy_timeout_ms=50)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        await db.ping()
        holder.execute("BEGIN IMMEDIATE")

        async def work(session: AsyncSession) -> None:
            conn = await session.connection()
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))

        with pytest.raises(DatabaseUnavailable):
            await db.run(work, retries=1)
    finally:
        holder.close()
        await db.dispose()
