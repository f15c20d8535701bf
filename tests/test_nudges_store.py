"""SqlNudgeRepository on SQLite and PostgreSQL: the ledger claims a step once however many claim it at the
same time, lookups work past one chunk of keys, snoozes move, preferences and team defaults round-trip."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from commands.invocation import ConversationKind, Platform
from commands.ports.clock import FrozenClock
from commands.ports.nudges import BatchState, Preferences, Roundup, SentStep, Snooze, TeamDefaults
from commands.ports.targets import Target
from store.db import Database
from store.nudges import SqlNudgeRepository
from store.targets import SqlTargetRepository

T0 = datetime(2026, 9, 9, 0, 1, tzinfo=UTC)


def step(n: int, batch: str = "nudge:b1") -> SentStep:
    return SentStep(
        f"nudge:dooray:{n}:2015003:b1:2026-09-10", batch, "dooray", str(n), "2015003", "b1", "2026-09-10",
        "emp:2015003", {"title": f"task {n}", "due_at": "2026-09-10T09:00:00+00:00"},
    )  # fmt: skip


async def test_a_step_is_claimed_once_however_many_claim_it(database: Database) -> None:
    repos = [SqlNudgeRepository(database, clock=FrozenClock(T0)) for _ in range(4)]
    steps = [step(n, f"nudge:b{i}") for i in range(4) for n in range(20)]
    results = await asyncio.gather(
        *(repo.claim(steps[i * 20 : (i + 1) * 20]) for i, repo in enumerate(repos))
    )
    assert sorted(len(r) for r in results) == [0, 0, 0, 20]
    assert await repos[0].claim([step(5), step(99)]) == [step(99)]


async def test_sent_keys_and_batches(database: Database) -> None:
    repo = SqlNudgeRepository(database, clock=FrozenClock(T0))
    await repo.claim([step(n) for n in range(1200)])
    keys = [step(n).step_key for n in range(0, 2400, 2)]
    assert len(await repo.sent_keys(keys)) == 600
    assert {s.task_id for s in await repo.unfinished(T0 + timedelta(seconds=1))} == {
        str(n) for n in range(1200)
    }
    await repo.mark_enqueued(["nudge:b1"])
    assert await repo.unfinished(T0 + timedelta(seconds=1)) == []
    await repo.set_outcome("nudge:b1", "dooray", "7", "done")
    batch = await repo.batch("nudge:b1")
    assert len(batch) == 1200 and all(s.state is BatchState.ENQUEUED for s in batch)
    assert [s.task_id for s in batch if s.outcome] == ["7"]


async def test_snoozes_move_and_expire(database: Database) -> None:
    repo = SqlNudgeRepository(database, clock=FrozenClock(T0))
    await repo.snooze(Snooze("dooray", "1", "2015003", "2026-09-10", T0 + timedelta(hours=1)))
    await repo.snooze(Snooze("dooray", "1", "2015003", "2026-09-10", T0 + timedelta(hours=3)))
    [found] = await repo.active(T0)
    assert found.until == T0 + timedelta(hours=3)
    assert await repo.active(T0 + timedelta(hours=4)) == []


async def test_preferences_team_defaults_and_roundups(database: Database) -> None:
    repo = SqlNudgeRepository(database, clock=FrozenClock(T0))
    assert await repo.user("2015003") == Preferences()
    prefs = Preferences(
        enabled=False, morning=time(7, 30), quiet_start=time(20), quiet_end=time(7), timezone="Asia/Tokyo"
    )
    await repo.save_user("2015003", prefs)
    assert await repo.user("2015003") == prefs and (await repo.users()) == {"2015003": prefs}
    target = await SqlTargetRepository(database).upsert(
        Target(Platform.TEAMS, "tenant-1", "19:c", ConversationKind.CHANNEL)
    )
    saved = await repo.save_team(
        TeamDefaults("SAL-2", Preferences(quiet_weekends=False), target.id, "2009002")
    )
    assert saved.escalation_target_id == target.id and (await repo.team("SAL-2")) == saved
    assert list(await repo.teams()) == ["SAL-2"]
    assert target.id is not None
    roundup = await repo.add_roundup(
        Roundup(Platform.TEAMS, target.id, "SAL-2", "09:00", created_by="2009002")
    )
    assert roundup.id is not None and await repo.roundups_for(target.id) == [roundup]
    assert await repo.stop_roundup(roundup.id) and not await repo.stop_roundup(roundup.id)
    assert await repo.roundups_for(target.id) == []
