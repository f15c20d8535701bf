"""SqlIdentityRepository on both dialects: remember, link, unlink, lookups, cache, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from commands.errors import Conflict
from commands.invocation import Caller, Platform
from commands.ports.clock import FrozenClock
from store.db import Database
from store.identities import SqlIdentityRepository
from tests.fixtures.db import count_rows, statements

T0 = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
KIM = Caller(Platform.SLACK, "U1", tenant_id="T1", name="Kim", email="kim@example.com", locale="ko")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def repo(database: Database, clock: FrozenClock) -> SqlIdentityRepository:
    return SqlIdentityRepository(database, clock=clock)


async def test_remember_stores_the_caller_and_returns_the_row(repo: SqlIdentityRepository) -> None:
    user = await repo.remember(KIM)
    assert (user.platform, user.tenant_id, user.user_id) == (Platform.SLACK, "T1", "U1")
    assert (user.name, user.email, user.locale) == ("Kim", "kim@example.com", "ko")
    assert user.employee_no == "" and user.linked_at is None
    assert await repo.get(Platform.SLACK, "T1", "U1") == user
    assert await repo.get(Platform.TEAMS, "T1", "U1") is None


async def test_remember_skips_the_database_when_nothing_changed(
    repo: SqlIdentityRepository, database: Database
) -> None:
    first = await repo.remember(KIM)
    with statements(database) as seen:
        again = await repo.remember(KIM)
        blank = await repo.remember(Caller(Platform.SLACK, "U1", tenant_id="T1", locale=""))
    assert seen == []
    assert again == first == blank


async def test_empty_values_never_clobber_stored_ones(database: Database, clock: FrozenClock) -> None:
    await SqlIdentityRepository(database, clock=clock).remember(KIM)
    fresh = SqlIdentityRepository(database, clock=clock)  # no cache: the SQL must keep the values
    user = await fresh.remember(
        Caller(Platform.SLACK, "U1", tenant_id="T1", aad_object_id="aad-1", locale="")
    )
    assert (user.name, user.email, user.locale, user.aad_object_id) == (
        "Kim",
        "kim@example.com",
        "ko",
        "aad-1",
    )
    assert await fresh.get(Platform.SLACK, "T1", "U1") == user


async def test_new_non_empty_values_replace_stored_ones(
    repo: SqlIdentityRepository, clock: FrozenClock
) -> None:
    await repo.remember(KIM)
    clock.advance(minutes=5)
    user = await repo.remember(Caller(Platform.SLACK, "U1", tenant_id="T1", name="Kim Minji", locale="en"))
    assert (user.name, user.email, user.locale) == ("Kim Minji", "kim@example.com", "en")


async def test_an_unchanged_caller_does_not_touch_updated_at(database: Database, clock: FrozenClock) -> None:
    await SqlIdentityRepository(database, clock=clock).remember(KIM)
    clock.advance(hours=1)
    await SqlIdentityRepository(database, clock=clock).remember(KIM)
    async with database.session() as session:
        conn = await session.connection()
        row = (await conn.execute(text("SELECT created_at, updated_at FROM chat_user"))).one()
    assert row.created_at == row.updated_at


async def test_link_is_returned_by_remember_and_unlink_clears_it(
    repo: SqlIdentityRepository, clock: FrozenClock
) -> None:
    await repo.remember(KIM)
    clock.advance(minutes=1)
    linked = await repo.link(Platform.SLACK, "T1", "U1", "E100", "email")
    assert (linked.employee_no, linked.link_method, linked.name) == ("E100", "email", "Kim")
    assert linked.linked_at == T0.replace(minute=1)
    assert linked.linked_at is not None and linked.linked_at.tzinfo is not None
    assert await repo.remember(KIM) == linked  # the cache was updated by link()

    assert await repo.unlink(Platform.SLACK, "T1", "U1") is True
    after = await repo.remember(KIM)
    assert (after.employee_no, after.link_method, after.linked_at) == ("", "", None)
    assert await repo.unlink(Platform.SLACK, "T1", "U1") is False
    assert await repo.unlink(Platform.TEAMS, "T9", "nobody") is False


async def test_link_creates_an_unknown_user(repo: SqlIdentityRepository) -> None:
    user = await repo.link(Platform.TEAMS, "tenant-a", "29:abc", "E7", "manual")
    assert (user.employee_no, user.name, user.locale) == ("E7", "", "")
    remembered = await repo.remember(Caller(Platform.TEAMS, "29:abc", tenant_id="tenant-a", name="Lee"))
    assert (remembered.employee_no, remembered.name) == ("E7", "Lee")


async def test_one_chat_user_per_platform_and_employee(repo: SqlIdentityRepository) -> None:
    await repo.link(Platform.SLACK, "T1", "U1", "E100", "email")
    await repo.link(Platform.SLACK, "T1", "U1", "E100", "manual")  # relinking the same pair is fine
    with pytest.raises(Conflict):
        await repo.link(Platform.SLACK, "T1", "U2", "E100", "email")
    assert await repo.get(Platform.SLACK, "T1", "U2") is None

    await repo.link(Platform.TEAMS, "tenant-a", "29:abc", "E100", "email")
    found = await repo.find_by_employee("E100")
    assert [(u.platform, u.user_id) for u in found] == [(Platform.SLACK, "U1"), (Platform.TEAMS, "29:abc")]
    assert await repo.find_by_employee("E999") == []


async def test_relinking_moves_the_user_to_the_new_employee(repo: SqlIdentityRepository) -> None:
    await repo.link(Platform.SLACK, "T1", "U1", "E100", "email")
    await repo.link(Platform.SLACK, "T1", "U1", "E200", "manual")
    assert await repo.find_by_employee("E100") == []
    assert [u.user_id for u in await repo.find_by_employee("E200")] == ["U1"]


async def test_a_link_made_elsewhere_shows_once_the_cache_entry_expires(
    database: Database, clock: FrozenClock
) -> None:
    here = SqlIdentityRepository(database, clock=clock, cache_ttl=0)
    elsewhere = SqlIdentityRepository(database, clock=clock)
    await here.remember(KIM)
    await elsewhere.link(Platform.SLACK, "T1", "U1", "E100", "email")
    assert (await here.remember(KIM)).employee_no == "E100"


async def test_concurrent_remembers_of_one_user_make_one_row(database: Database, clock: FrozenClock) -> None:
    repos = [SqlIdentityRepository(database, clock=clock) for _ in range(20)]
    users = await asyncio.gather(*(r.remember(KIM) for r in repos))
    assert {u.user_id for u in users} == {"U1"}
    assert await count_rows(database, "chat_user") == 1


async def test_overlong_profile_values_are_clipped(repo: SqlIdentityRepository) -> None:
    user = await repo.remember(Caller(Platform.SLACK, "U1", tenant_id="T1", name="x" * 400, locale="ko-KR"))
    assert user.name == "x" * 255
    assert (await repo.get(Platform.SLACK, "T1", "U1")) == user


async def test_link_needs_an_employee_number(repo: SqlIdentityRepository) -> None:
    with pytest.raises(ValueError, match="employee_no"):
        await repo.link(Platform.SLACK, "T1", "U1", "", "manual")
