"""SqlTargetRepository on both dialects: upsert, lookups, deactivation, re-activation, cache, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from commands.invocation import ConversationKind, Platform
from commands.ports.clock import FrozenClock
from commands.ports.targets import Target
from store.db import Database
from store.targets import SqlTargetRepository
from tests.fixtures.db import count_rows, statements

T0 = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
REF = {
    "serviceUrl": "https://smba.example/kr/",
    "conversation": {"id": "a:1", "tenantId": "tn"},
    "bot": {"id": "28:b"},
}
DM = Target(Platform.TEAMS, "tn", "a:1", ConversationKind.PERSONAL, user_id="29:u1", reference=REF)
CHANNEL = Target(
    Platform.SLACK, "T1", "C1", ConversationKind.CHANNEL, reference={"team": "T1", "channel": "C1"}
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def repo(database: Database, clock: FrozenClock) -> SqlTargetRepository:
    return SqlTargetRepository(database, clock=clock)


async def test_upsert_stores_and_find_returns_it(repo: SqlTargetRepository) -> None:
    stored = await repo.upsert(DM)
    assert stored.id is not None
    assert stored.updated_at == T0 and stored.updated_at.tzinfo is not None
    assert (stored.kind, stored.user_id, stored.reference, stored.active) == (
        ConversationKind.PERSONAL,
        "29:u1",
        REF,
        True,
    )
    assert await repo.find(Platform.TEAMS, "tn", "a:1") == stored
    assert await repo.get(stored.id) == stored
    assert await repo.find(Platform.SLACK, "tn", "a:1") is None
    assert await repo.get(stored.id + 1000) is None


async def test_upsert_updates_the_same_row(repo: SqlTargetRepository, clock: FrozenClock) -> None:
    first = await repo.upsert(DM)
    clock.advance(minutes=3)
    moved = {**REF, "serviceUrl": "https://smba.example/apac/"}
    second = await repo.upsert(
        Target(Platform.TEAMS, "tn", "a:1", ConversationKind.PERSONAL, reference=moved)
    )
    assert second.id == first.id
    assert second.reference == moved
    assert second.user_id == "29:u1"  # an empty user_id keeps the stored one
    assert second.updated_at == T0.replace(minute=3)


async def test_an_identical_upsert_skips_the_database(repo: SqlTargetRepository, database: Database) -> None:
    stored = await repo.upsert(DM)
    with statements(database) as seen:
        again = await repo.upsert(DM)
        without_user = await repo.upsert(
            Target(Platform.TEAMS, "tn", "a:1", ConversationKind.PERSONAL, reference=REF)
        )
    assert seen == []
    assert again == stored == without_user


async def test_deactivate_then_upsert_reactivates(repo: SqlTargetRepository, clock: FrozenClock) -> None:
    stored = await repo.upsert(DM)
    assert stored.id is not None
    clock.advance(minutes=1)
    await repo.deactivate(stored.id, "bot removed")
    gone = await repo.get(stored.id)
    assert gone is not None
    assert (gone.active, gone.inactive_reason, gone.updated_at) == (
        False,
        "bot removed",
        T0.replace(minute=1),
    )
    assert await repo.personal_for(Platform.TEAMS, "tn", "29:u1") is None

    back = await repo.upsert(DM)  # identical to the cached row, but it was deactivated
    assert (back.id, back.active, back.inactive_reason) == (stored.id, True, "")
    assert await repo.personal_for(Platform.TEAMS, "tn", "29:u1") == back


async def test_deactivating_an_unknown_target_is_harmless(repo: SqlTargetRepository) -> None:
    await repo.deactivate(424242, "gone")
    assert await repo.list() == []


async def test_personal_for_finds_only_the_users_active_direct_chat(
    repo: SqlTargetRepository, clock: FrozenClock
) -> None:
    await repo.upsert(Target(Platform.TEAMS, "tn", "19:grp", ConversationKind.GROUP, user_id="29:u1"))
    older = await repo.upsert(DM)
    clock.advance(minutes=1)
    newer = await repo.upsert(Target(Platform.TEAMS, "tn", "a:2", ConversationKind.PERSONAL, user_id="29:u1"))
    assert await repo.personal_for(Platform.TEAMS, "tn", "29:u1") == newer
    assert newer.id is not None
    await repo.deactivate(newer.id, "user gone")
    assert await repo.personal_for(Platform.TEAMS, "tn", "29:u1") == older
    assert await repo.personal_for(Platform.TEAMS, "other-tenant", "29:u1") is None
    assert await repo.personal_for(Platform.SLACK, "tn", "29:u1") is None


async def test_list_filters_by_platform_and_state(repo: SqlTargetRepository) -> None:
    dm = await repo.upsert(DM)
    channel = await repo.upsert(CHANNEL)
    assert channel.id is not None
    await repo.deactivate(channel.id, "not_in_channel")
    assert [t.conversation_id for t in await repo.list()] == ["a:1", "C1"]
    assert await repo.list(platform=Platform.TEAMS) == [dm]
    assert await repo.list(active=True) == [dm]
    assert [t.inactive_reason for t in await repo.list(platform=Platform.SLACK, active=False)] == [
        "not_in_channel"
    ]
    assert await repo.list(platform=Platform.SLACK, active=True) == []


async def test_long_reasons_are_clipped(repo: SqlTargetRepository) -> None:
    stored = await repo.upsert(CHANNEL)
    assert stored.id is not None
    await repo.deactivate(stored.id, "r" * 1000)
    gone = await repo.get(stored.id)
    assert gone is not None and gone.inactive_reason == "r" * 255


async def test_concurrent_upserts_of_one_conversation_make_one_row(
    database: Database, clock: FrozenClock
) -> None:
    repos = [SqlTargetRepository(database, clock=clock) for _ in range(20)]
    results = await asyncio.gather(*(r.upsert(CHANNEL) for r in repos))
    assert len({t.id for t in results}) == 1
    assert await count_rows(database, "target") == 1
