"""Units of work on one SQLite file queue inside the process instead of waiting in SQLite's busy handler;
PostgreSQL runs them concurrently; a nested `run` is refused instead of deadlocking."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from loguru import logger
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from store.db import Database


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="WARNING", format="{message}")
    try:
        yield messages
    finally:
        logger.remove(sink)


async def _writers(db: Database, count: int) -> list[int]:
    async def work(session: AsyncSession, *, n: int) -> int:
        conn = await session.connection()
        await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
        await asyncio.sleep(0.005)  # the write lock is held here; every other writer wants it
        total = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        return int(total)

    return list(await asyncio.gather(*(db.run(partial(work, n=n)) for n in range(count))))


async def test_concurrent_sqlite_writers_queue_without_busy_retries(
    tmp_path: Path, warnings: list[str]
) -> None:
    # A short busy timeout: a writer that had to wait for another connection would fail and retry.
    db = Database.from_url(f"sqlite:///{tmp_path}/w.db", busy_timeout_ms=50)
    try:
        await db.run(lambda s: s.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)")))
        counts = await _writers(db, 60)
        async with db.session() as session:
            stored = (await session.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
    finally:
        await db.dispose()
    assert stored == list(range(60))
    assert sorted(counts) == list(range(1, 61))  # one after the other: each saw the ones before it
    assert not [m for m in warnings if "database busy" in m]


async def test_units_of_work_overlap_on_postgresql(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("concurrent units of work: PostgreSQL")
    inside = 0
    most = 0

    async def work(session: AsyncSession) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await (await session.connection()).execute(text("SELECT pg_sleep(0.05)"))
        inside -= 1

    await asyncio.gather(*(database.run(work) for _ in range(4)))
    assert most > 1


async def test_units_of_work_do_not_overlap_on_sqlite(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path}/o.db")
    inside = 0
    most = 0

    async def work(session: AsyncSession) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await (await session.connection()).execute(text("SELECT 1"))
        await asyncio.sleep(0.01)
        inside -= 1

    try:
        await asyncio.gather(*(db.run(work) for _ in range(6)))
    finally:
        await db.dispose()
    assert most == 1


async def test_a_nested_run_on_sqlite_is_refused_not_deadlocked(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path}/n.db")

    async def outer(session: AsyncSession) -> None:
        await db.run(lambda s: s.execute(text("SELECT 1")))

    try:
        with pytest.raises(RuntimeError, match=r"inside Database\.run"):
            await asyncio.wait_for(db.run(outer), timeout=5)
        # the lock was released: the next unit of work runs
        assert (await db.run(lambda s: s.execute(text("SELECT 2")))).scalar_one() == 2
    finally:
        await db.dispose()


async def test_a_task_started_in_a_unit_of_work_may_use_the_database_after_it(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path}/t.db")
    later: list[asyncio.Task[int]] = []

    async def spawn(session: AsyncSession) -> None:
        async def after() -> int:
            await asyncio.sleep(0.02)  # the spawning unit of work has finished by now
            return int((await db.run(lambda s: s.execute(text("SELECT 3")))).scalar_one())

        later.append(asyncio.create_task(after()))

    try:
        await db.run(spawn)
        assert await asyncio.wait_for(later[0], timeout=5) == 3
    finally:
        await db.dispose()
