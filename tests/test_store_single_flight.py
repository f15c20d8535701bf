"""Identical concurrent writes share one run (store/cache.py SingleFlight): a burst of commands that
all miss an expired cache entry writes the same conversation and user once, not once each."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from commands.ports.clock import FrozenClock
from store.cache import SingleFlight
from store.db import Database
from store.identities import SqlIdentityRepository
from store.targets import SqlTargetRepository
from tests.fixtures.db import statements
from tests.test_store_write_skipping import DM, KIM, T0


async def test_equal_keys_share_one_run_and_its_result() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    calls: list[str] = []
    gate = asyncio.Event()

    async def call(key: str) -> int:
        calls.append(key)
        await gate.wait()
        return len(calls)

    tasks = [asyncio.create_task(flights.run(k, lambda k=k: call(k))) for k in ("a", "a", "a", "b")]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == [2, 2, 2, 2] and calls == ["a", "b"]
    assert await flights.run("a", lambda: call("a")) == 3  # a later call runs again


async def test_an_error_reaches_every_caller_of_the_run() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    gate = asyncio.Event()

    async def boom() -> int:
        await gate.wait()
        raise OSError("database away")

    tasks = [asyncio.create_task(flights.run("k", boom)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)


async def test_a_burst_of_identical_upserts_writes_once(database: Database) -> None:
    clock = FrozenClock(T0)
    targets = SqlTargetRepository(database, clock=clock, cache_ttl=0)
    users = SqlIdentityRepository(database, clock=clock, cache_ttl=0)
    with statements(database) as seen:
        stored = await asyncio.gather(*(targets.upsert(DM) for _ in range(20)))
        remembered = await asyncio.gather(*(users.remember(KIM) for _ in range(20)))
    assert len({t.id for t in stored}) == 1 and len({u.user_id for u in remembered}) == 1
    assert len([s for s in seen if s.lstrip().upper().startswith("INSERT")]) == 2


async def test_different_values_are_not_merged(database: Database) -> None:
    targets = SqlTargetRepository(database, clock=FrozenClock(T0), cache_ttl=0)
    moved = replace(DM, reference={**DM.reference, "extra": "x"})
    first, second = await asyncio.gather(targets.upsert(DM), targets.upsert(moved))
    assert first.reference == DM.reference and second.reference == moved.reference
