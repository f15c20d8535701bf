"""SqlAuditLog on both dialects: append and list (order, since, item, limit), paging, and the database
itself refusing UPDATE and DELETE on audit_event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from commands.ports.audit import AuditEvent, AuditRecord
from store.audit import SqlAuditLog
from store.db import Database
from tests.fixtures.db import count_rows, statements

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def record(item: str, minutes: float, event: AuditEvent = AuditEvent.CARD_SENT, **kw: Any) -> AuditRecord:
    return AuditRecord(event=event, item_id=item, at=T0 + timedelta(minutes=minutes), **kw)


@pytest.fixture
def log(database: Database) -> SqlAuditLog:
    return SqlAuditLog(database)


async def test_a_record_round_trips_with_every_field(log: SqlAuditLog) -> None:
    kst = timezone(timedelta(hours=9))
    sent = AuditRecord(
        event=AuditEvent.DECIDED,
        item_id="EXP-2026-0001",
        at=datetime(2026, 11, 2, 10, 0, 0, 123456, tzinfo=kst),
        actor_employee_no="E100",
        platform="teams",
        platform_user_id="29:abc",
        tenant_id="tn-1",
        action="approve",
        outcome="approved",
        on_behalf_of="E200",
        detail={"comment": "대결 승인", "version": 3, "steps": [1, 2]},
    )
    await log.append(sent)
    [stored] = await log.list()
    assert stored.id is not None
    assert stored.at == sent.at and stored.at.utcoffset() == timedelta(0)  # aware, in UTC
    assert stored == AuditRecord(**{**sent.__dict__, "at": stored.at, "id": stored.id})


async def test_list_is_oldest_first_with_ties_in_insertion_order(log: SqlAuditLog) -> None:
    for item, minutes in [("B", 5), ("A", 1), ("C", 5), ("D", 3)]:
        await log.append(record(item, minutes))
    assert [r.item_id for r in await log.list()] == ["A", "D", "B", "C"]


async def test_list_filters_by_since_item_and_limit(log: SqlAuditLog) -> None:
    for minutes in range(6):
        await log.append(record("X" if minutes % 2 else "Y", minutes, outcome=f"o{minutes}"))
    since = T0 + timedelta(minutes=2)
    assert [r.outcome for r in await log.list(since=since)] == ["o2", "o3", "o4", "o5"]  # since included
    assert [r.outcome for r in await log.list(item_id="X")] == ["o1", "o3", "o5"]
    assert [r.outcome for r in await log.list(since=since, item_id="X", limit=1)] == ["o3"]
    assert [r.outcome for r in await log.list(limit=2)] == ["o0", "o1"]
    assert await log.list(limit=0) == []
    assert await log.list(item_id="nope") == []


async def test_stream_reads_every_page_across_equal_timestamps(log: SqlAuditLog, database: Database) -> None:
    # Five records share one instant: the keyset must page on (at, id), not on `at` alone.
    for n, minutes in enumerate([0, 1, 1, 1, 1, 1, 2, 3]):
        await log.append(record("I", minutes, outcome=str(n)))
    with statements(database) as sent:
        seen = [r.outcome async for r in log.stream(page_size=3)]
    assert seen == [str(n) for n in range(8)]
    assert sum(s.lstrip().upper().startswith("SELECT") for s in sent) == 3  # pages of 3, 3 and 2 rows
    window = log.stream(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3), page_size=3)
    assert [r.outcome async for r in window] == ["1", "2", "3", "4", "5", "6"]  # until excluded


async def test_descriptive_fields_too_long_for_their_column_are_clipped_not_lost(log: SqlAuditLog) -> None:
    await log.append(record("I", 0, outcome="x" * 300, platform_user_id="u" * 400))
    [stored] = await log.list()
    assert stored.outcome == "x" * 64 and stored.platform_user_id == "u" * 255


async def test_a_naive_time_is_refused(log: SqlAuditLog) -> None:
    with pytest.raises(StatementError, match="naive"):
        await log.append(AuditRecord(event=AuditEvent.CARD_SENT, item_id="I", at=datetime(2026, 11, 2)))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET outcome = 'forged'",
        "UPDATE audit_event SET at = at WHERE item_id = 'I'",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE item_id = 'I'",
    ],
)
async def test_the_database_refuses_updates_and_deletes(
    log: SqlAuditLog, database: Database, statement: str
) -> None:
    await log.append(record("I", 0, outcome="approved"))
    async with database.engine.connect() as conn:
        with pytest.raises(IntegrityError, match="append-only"):
            await conn.execute(text(statement))
        await conn.rollback()
    assert [r.outcome for r in await log.list()] == ["approved"]


@pytest.mark.postgres
async def test_postgresql_refuses_even_an_update_that_matches_nothing(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("statement-level trigger: PostgreSQL only")
    async with database.engine.connect() as conn:
        with pytest.raises(IntegrityError, match="append-only"):
            await conn.execute(text("DELETE FROM audit_event WHERE false"))


@pytest.mark.postgres
async def test_truncate_still_empties_the_log_for_an_administrator(
    log: SqlAuditLog, database: Database
) -> None:
    # The PostgreSQL test fixture truncates every table between tests; SQLite has no TRUNCATE.
    if database.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL only")
    await log.append(record("I", 0))
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE audit_event"))
    assert await count_rows(database, "audit_event") == 0
