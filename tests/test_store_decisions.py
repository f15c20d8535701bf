"""SqlDecisionQueue on both dialects: idempotent add, the due/mark cycle, leases between workers, and
concurrent claims that never hand out the same decision twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from commands.ports.clock import FrozenClock
from commands.ports.decisions import QueuedDecision, QueuedDecisionStatus
from store.db import Database
from store.decisions import SqlDecisionQueue
from tests.fixtures.db import count_rows

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
PENDING, SENT, REJECTED, DEAD = (
    QueuedDecisionStatus.PENDING,
    QueuedDecisionStatus.SENT,
    QueuedDecisionStatus.REJECTED,
    QueuedDecisionStatus.DEAD,
)


def decision(key: str, item: str = "EXP-1", **kw: object) -> QueuedDecision:
    base = QueuedDecision(
        idempotency_key=key, item_id=item, action="approve", actor_employee_no="E100", expected_version=3
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def queue(database: Database, clock: FrozenClock) -> SqlDecisionQueue:
    return SqlDecisionQueue(database, clock=clock, worker_id="worker-a")


def keys(decisions: list[QueuedDecision]) -> list[str]:
    return [d.idempotency_key for d in decisions]


async def test_add_stores_every_field_once_per_key(queue: SqlDecisionQueue, database: Database) -> None:
    first = decision(
        "k1",
        comment="금액 확인 후 반려합니다",
        on_behalf_of="E200",
        platform="slack",
        platform_user_id="U1",
        tenant_id="T1",
        locale="en",
        action="reject",
    )
    assert await queue.add(first) is True
    assert await queue.add(replace(first, comment="changed", action="approve")) is False
    assert await count_rows(database, "decision_queue") == 1
    stored = await queue.get("k1")
    assert stored is not None and stored.id is not None
    assert stored == replace(first, created_at=T0, id=stored.id)  # the second add changed nothing
    assert await queue.get("nope") is None


async def test_due_and_mark_cycle_counts_attempts(queue: SqlDecisionQueue, clock: FrozenClock) -> None:
    await queue.add(decision("k1"))
    [claimed] = await queue.due(T0)
    assert (claimed.idempotency_key, claimed.attempts, claimed.next_attempt_at) == ("k1", 0, None)

    retry_at = T0 + timedelta(seconds=30)
    clock.advance(seconds=1)
    await queue.mark("k1", PENDING, error="ERP 503", next_attempt_at=retry_at)
    stored = await queue.get("k1")
    assert stored is not None
    assert (stored.status, stored.attempts, stored.last_error, stored.next_attempt_at) == (
        PENDING,
        1,
        "ERP 503",
        retry_at,
    )
    assert await queue.due(T0 + timedelta(seconds=29)) == []  # backing off, though the lease was released
    assert keys(await queue.due(retry_at)) == ["k1"]  # due exactly at next_attempt_at

    await queue.mark("k1", PENDING, error="ERP 502")  # no next_attempt_at: due at once
    assert keys(await queue.due(retry_at)) == ["k1"]
    await queue.mark("k1", SENT)
    sent = await queue.get("k1")
    assert sent is not None
    assert (sent.status, sent.attempts, sent.last_error) == (SENT, 2, "")
    assert await queue.due(T0 + timedelta(days=1)) == []


async def test_a_final_status_is_final(queue: SqlDecisionQueue) -> None:
    for key, status in (("sent", SENT), ("rejected", REJECTED), ("dead", DEAD)):
        await queue.add(decision(key))
        await queue.mark(key, status, error=f"{key} for good")
        await queue.mark(key, PENDING, error="late retry from a worker whose lease ran out")
        stored = await queue.get(key)
        assert stored is not None
        assert (stored.status, stored.attempts, stored.last_error) == (status, 0, f"{key} for good")
    await queue.mark("unknown", SENT)  # ignored
    assert await queue.due(T0) == []


async def test_due_honours_next_attempt_at_order_and_limit(queue: SqlDecisionQueue) -> None:
    await queue.add(decision("later", next_attempt_at=T0 + timedelta(minutes=5)))
    for n in range(4):
        await queue.add(decision(f"now-{n}"))
    await queue.add(decision("past", next_attempt_at=T0 - timedelta(minutes=5)))
    assert keys(await queue.due(T0, limit=3)) == ["now-0", "now-1", "now-2"]  # oldest first
    assert keys(await queue.due(T0)) == ["now-3", "past"]
    assert await queue.due(T0, limit=0) == []
    for key in ("now-0", "now-1", "now-2", "now-3", "past"):
        await queue.mark(key, SENT)
    assert keys(await queue.due(T0 + timedelta(minutes=5))) == ["later"]


async def test_a_lease_hides_a_decision_from_other_workers_until_it_expires(
    database: Database, queue: SqlDecisionQueue
) -> None:
    other = SqlDecisionQueue(database, lease_seconds=60, worker_id="worker-b")
    await queue.add(decision("k1"))
    assert keys(await queue.due(T0)) == ["k1"]  # worker A, lease until T0+60s
    assert await other.due(T0 + timedelta(seconds=59)) == []
    assert await queue.due(T0 + timedelta(seconds=59)) == []  # nor to A itself while it is sending
    assert await other.due(T0 + timedelta(seconds=60)) == []  # the lease ends after claimed_until
    assert keys(await other.due(T0 + timedelta(seconds=61))) == ["k1"]  # A died: B takes over
    assert await queue.due(T0 + timedelta(seconds=62)) == []  # now B's lease
    assert await _claimed_by(database, "k1") == "worker-b"
    await other.mark("k1", PENDING, error="timeout")
    assert await _claimed_by(database, "k1") is None


async def test_pending_for_item_lists_unsent_decisions_leased_or_not(queue: SqlDecisionQueue) -> None:
    for key, item in (("a", "EXP-1"), ("b", "EXP-2"), ("c", "EXP-1"), ("d", "EXP-1")):
        await queue.add(decision(key, item))
    await queue.due(T0, limit=1)  # leases "a"
    await queue.mark("d", SENT)
    assert keys(await queue.pending_for_item("EXP-1")) == ["a", "c"]
    assert await queue.pending_for_item("EXP-9") == []


async def test_concurrent_claims_never_return_the_same_decision(database: Database) -> None:
    for n in range(40):
        await SqlDecisionQueue(database).add(decision(f"k{n:02}"))
    workers = [SqlDecisionQueue(database, worker_id=f"w{n}") for n in range(4)]
    rounds = await asyncio.gather(*(w.due(T0, limit=6) for w in workers * 2))
    claimed = [key for batch in rounds for key in keys(batch)]
    assert len(claimed) == len(set(claimed))
    rest = keys(await workers[0].due(T0, limit=100))
    assert sorted(claimed + rest) == [f"k{n:02}" for n in range(40)]


@pytest.mark.postgres
async def test_postgresql_skips_a_row_locked_by_another_transaction(
    database: Database, queue: SqlDecisionQueue
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    for key in ("k1", "k2"):
        await queue.add(decision(key))
    async with database.engine.connect() as holder:
        await holder.execute(text("SELECT id FROM decision_queue WHERE idempotency_key = 'k1' FOR UPDATE"))
        # Without SKIP LOCKED this would wait for `holder` (and time out).
        claimed = await asyncio.wait_for(queue.due(T0), timeout=10)
        assert keys(claimed) == ["k2"]
        await holder.rollback()
    assert keys(await queue.due(T0)) == ["k1"]


async def _claimed_by(database: Database, key: str) -> str | None:
    async with database.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT claimed_by FROM decision_queue WHERE idempotency_key = :k"), {"k": key}
        )
        value: str | None = result.scalar_one()
        return value
