"""SqlAuditLog's `once_key` on both dialects: a repeated key is not added (also when the repeats race),
records without one never collide, and migration 0007 keeps what was logged before it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from commands.ports.audit import AuditEvent, AuditRecord, decided_once
from store import migrate
from store.audit import SqlAuditLog
from store.db import Database, to_sync_url
from tests.fixtures.db import create_pg_database, drop_pg_database

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
KEY = "chatops-0123456789abcdef0123456789abcdef01234567"


def decided(minutes: float, *, once_key: str = "", platform: str = "teams") -> AuditRecord:
    return AuditRecord(
        event=AuditEvent.DECIDED,
        item_id="EX-2026-0001",
        at=T0 + timedelta(minutes=minutes),
        actor_employee_no="E100",
        platform=platform,
        action="approve",
        outcome="approved",
        detail={"idempotency_key": KEY},
        once_key=once_key,
    )


@pytest.fixture
def log(database: Database) -> SqlAuditLog:
    return SqlAuditLog(database)


async def test_a_repeated_once_key_keeps_the_first_record(log: SqlAuditLog) -> None:
    await log.append(decided(0, once_key=decided_once(KEY), platform="teams"))
    await log.append(decided(1, once_key=decided_once(KEY), platform="slack"))
    [kept] = await log.list()
    assert (kept.platform, kept.at, kept.once_key) == ("teams", T0, decided_once(KEY))


async def test_records_without_a_once_key_never_collide(log: SqlAuditLog) -> None:
    for minutes in range(3):
        await log.append(decided(minutes))
    await log.append(decided(3, once_key=decided_once("another-key")))
    assert [r.once_key for r in await log.list()] == ["", "", "", decided_once("another-key")]


async def test_racing_repeats_add_one_record(log: SqlAuditLog) -> None:
    await asyncio.gather(*(log.append(decided(n, once_key=decided_once(KEY))) for n in range(8)))
    assert len(await log.list()) == 1


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh/bot.db"
        return
    url = create_pg_database("chatops_audit_once")
    try:
        yield url
    finally:
        drop_pg_database(url)


def _insert_decided(url: str, count: int) -> None:
    engine = create_engine(to_sync_url(url))
    try:
        with engine.begin() as conn:
            for _ in range(count):
                conn.execute(
                    text(
                        "INSERT INTO audit_event (at, event, item_id, detail)"
                        " VALUES (:at, 'decided', 'EX-2026-0001', '{}')"
                    ),
                    {"at": T0},
                )
    finally:
        engine.dispose()


def _columns(url: str) -> set[str]:
    engine = create_engine(to_sync_url(url))
    try:
        return {c["name"] for c in inspect(engine).get_columns("audit_event")}
    finally:
        engine.dispose()


async def test_migration_0007_keeps_the_records_logged_before_it(fresh_url: str) -> None:
    migrate.upgrade(fresh_url, "0004_approvals")
    _insert_decided(fresh_url, 2)  # duplicates from before the fix stay: the log is append-only
    migrate.upgrade(fresh_url)
    db = Database.from_url(fresh_url)
    try:
        log = SqlAuditLog(db)
        await log.append(decided(1, once_key=decided_once(KEY)))
        await log.append(decided(2, once_key=decided_once(KEY)))
        assert [r.once_key for r in await log.list()] == ["", "", decided_once(KEY)]
    finally:
        await db.dispose()
    migrate.downgrade(fresh_url, "0004_approvals")
    assert "once_key" not in _columns(fresh_url)
