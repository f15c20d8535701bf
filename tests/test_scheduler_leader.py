"""Leadership across replicas: on PostgreSQL exactly one advisory-lock holder leads and another takes
over when its connection dies; only the leader's scheduler fires; SQLite always leads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg
import pytest

from commands.ports.schedule import RunStatus
from jobs.leader import AlwaysLeader, PgAdvisoryLeader, build_leader
from jobs.scheduler import Scheduler
from store.db import Database
from tests.fixtures.db import pg_admin_url
from tests.fixtures.scheduler import RecordingHandler, SchedulerStore, cron_job, kst


@pytest.fixture
async def pg_leaders(pg_session_url: str) -> AsyncIterator[Callable[[str], PgAdvisoryLeader]]:
    """`make(replica_id)`: leaders competing for a lock name unique to this test."""
    name = f"test-leader-{uuid.uuid4().hex}"
    made: list[PgAdvisoryLeader] = []

    def make(replica_id: str) -> PgAdvisoryLeader:
        leader = PgAdvisoryLeader(pg_session_url, name=name, replica_id=replica_id)
        made.append(leader)
        return leader

    yield make
    for leader in made:
        await leader.release()


async def _kill_connection_of(replica_id: str) -> None:
    """What a crash looks like to PostgreSQL: the leader's session ends."""
    admin = pg_admin_url()
    assert admin is not None
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
            (f"chatops-leader {replica_id}",),
        )
        row = await cur.fetchone()
        assert row is not None and row[0] == 1


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll (the lock lives in PostgreSQL: there is nothing to wait on) for up to 10 s."""
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached within 10 s")


@pytest.mark.postgres
async def test_exactly_one_leads_and_another_takes_over_when_its_connection_dies(
    pg_leaders: Callable[[str], PgAdvisoryLeader],
) -> None:
    first_id = f"a-{uuid.uuid4().hex[:8]}"
    first, second = pg_leaders(first_id), pg_leaders(f"b-{uuid.uuid4().hex[:8]}")
    assert await first.check() is True
    assert await second.check() is False
    assert await first.check() is True  # confirmed, still held
    assert await second.check() is False

    await _kill_connection_of(first_id)
    await _eventually(second.check)

    assert await first.check() is False  # reconnected, but the lock is taken now
    assert first.is_leader is False and second.is_leader is True


@pytest.mark.postgres
async def test_release_hands_the_leadership_over_at_once(
    pg_leaders: Callable[[str], PgAdvisoryLeader],
) -> None:
    first, second = pg_leaders("first"), pg_leaders("second")
    assert await first.check() and not await second.check()
    await first.release()
    assert await second.check() is True
    assert await first.check() is False


async def test_an_unreachable_database_means_not_leading() -> None:
    leader = PgAdvisoryLeader("postgresql://nobody@127.0.0.1:1/none", replica_id="lonely")
    assert await leader.check() is False
    await leader.release()


@pytest.mark.postgres
async def test_only_the_leaders_scheduler_fires_and_a_follower_takes_over(
    pg_session_url: str,
    scheduler_store: SchedulerStore,
    make_scheduler: Callable[..., Scheduler],
    pg_leaders: Callable[[str], PgAdvisoryLeader],
) -> None:
    if scheduler_store.db.dialect != "postgresql":
        pytest.skip("leadership is a PostgreSQL matter")
    handler = RecordingHandler()
    definition = await scheduler_store.jobs.upsert(cron_job())
    leader = make_scheduler("leader", leader=pg_leaders("leader"), leader_check_seconds=0.05)
    follower = make_scheduler("follower", leader=pg_leaders("follower"), leader_check_seconds=0.05)
    for scheduler in (leader, follower):
        scheduler.register_kind("digest", handler)
        await scheduler.start()
    assert (leader.is_leader, follower.is_leader) == (True, False)

    assert await follower.fire(definition, kst(2026, 9, 23, 8, 30)) is None
    assert await scheduler_store.statuses("morning-digest") == []
    assert await leader.fire(definition, kst(2026, 9, 23, 8, 30)) is RunStatus.SUCCESS

    async def follower_leads() -> bool:
        return follower.is_leader

    await leader.stop()  # releases the lock; the follower's next check takes it
    await _eventually(follower_leads)
    assert await follower.fire(definition, kst(2026, 9, 24, 8, 30)) is RunStatus.SUCCESS
    assert len(handler.calls) == 2


async def test_sqlite_always_leads(database: Database) -> None:
    leader = build_leader(database, replica_id="x")
    if database.dialect == "sqlite":
        assert isinstance(leader, AlwaysLeader) and await leader.check() and leader.is_leader
    else:
        assert isinstance(leader, PgAdvisoryLeader)
    await leader.release()
