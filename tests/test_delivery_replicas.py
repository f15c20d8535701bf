"""Two worker processes on one PostgreSQL outbox drain 300 rows across 30 conversations: every
delivery key reaches the (rate-limit enforcing) fake platforms exactly once, each conversation in order.
Each replica's limiter is its own, so the fake's 429s between them are part of the exercise."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.slack.sender import render_payload as slack_payload
from adapters.teams.sender import render_payload as teams_payload
from commands.cards import Reply
from commands.invocation import ConversationKind, Platform
from commands.ports.clock import SystemClock
from commands.ports.outbox import OutboundMessage
from commands.ports.targets import Target
from jobs.outbox import OutboxService
from store.db import Database
from store.migrate import upgrade
from store.outbox import SqlOutboxRepository
from store.sql import fetch_all
from store.tables.outbox import OUTBOX
from store.targets import SqlTargetRepository
from tests.fixtures.db import create_pg_database, drop_pg_database
from tests.fixtures.delivery import teams_reference
from tests.fixtures.delivery_fakes import PlatformFakes, fake_rules

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
SCALE = 4.0  # the fake's and the workers' limit periods are shortened 4x to keep this test short


@pytest.fixture
async def scaled_fakes() -> AsyncIterator[PlatformFakes]:
    fakes = PlatformFakes(fake_rules(teams_tenant_rps=50, slack_workspace_rps=50, scale=SCALE), scale=SCALE)
    await fakes.start()
    yield fakes
    await fakes.close()


@pytest.fixture
def replica_db_url() -> Iterator[str]:
    url = create_pg_database("chatops_delivery")
    try:
        upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


async def _conversations(targets: SqlTargetRepository, fakes: PlatformFakes) -> list[Target]:
    found = []
    for i in range(15):
        tenant, conv = f"tenant-{i % 2}", f"a:conv-{i}"
        ref = teams_reference(fakes.teams_url, conv, tenant, user=f"29:u{i}")
        found.append(
            await targets.upsert(
                Target(Platform.TEAMS, tenant, conv, ConversationKind.PERSONAL, f"29:u{i}", ref)
            )
        )
        channel = f"C{i:02d}"
        found.append(
            await targets.upsert(
                Target(
                    Platform.SLACK, "T1", channel, ConversationKind.CHANNEL, reference={"channel_id": channel}
                )
            )
        )
    return found


async def _worker(url: str, fakes: PlatformFakes, worker_id: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.delivery_worker_proc",
        "--db",
        url,
        "--slack-api-url",
        fakes.slack_url,
        "--worker-id",
        worker_id,
        "--teams-tenant-rps",
        "25",  # each replica takes half of the fake's 50/s
        "--slack-workspace-rps",
        "25",
        "--lease",
        "15",
        "--scale",
        str(SCALE),
        "--exit-when-idle",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_two_worker_processes_send_every_key_exactly_once(
    replica_db_url: str, scaled_fakes: PlatformFakes
) -> None:
    db = Database.from_url(replica_db_url)
    try:
        targets = SqlTargetRepository(db)
        repo = SqlOutboxRepository(db)
        outbox = OutboxService(
            repo, targets, {Platform.TEAMS: teams_payload, Platform.SLACK: slack_payload}, SystemClock()
        )
        conversations = await _conversations(targets, scaled_fakes)
        # Start the workers first: they take seconds to import, enqueueing runs meanwhile.
        procs = [await _worker(replica_db_url, scaled_fakes, w) for w in ("replica-a", "replica-b")]
        expected: dict[str, list[str]] = {}
        for n in range(10):
            for target in conversations:
                key = f"{target.conversation_id}-{n}"
                assert await outbox.enqueue(OutboundMessage.to_target(target, Reply(key), key=key))
                expected.setdefault(target.conversation_id, []).append(key)
        outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=60)
        for proc, (_, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err.decode()[-2000:]

        assert await repo.counts() == {"sent": 300}
        all_keys = [key for keys in expected.values() for key in keys]
        assert scaled_fakes.accepted == Counter(all_keys)  # each exactly once, nothing else
        for conversation, keys in expected.items():
            assert scaled_fakes.order[conversation] == keys
        senders = await _senders(db)
        assert set(senders) == {"replica-a", "replica-b"}, senders  # both replicas did their share
    finally:
        await db.dispose()


async def _senders(db: Database) -> Counter[str]:
    """Who sent the rows (claimed_by is kept on sent rows)."""
    rows = await db.run(lambda s: fetch_all(s, select(OUTBOX.c.claimed_by)))
    return Counter(str(row["claimed_by"]) for row in rows)
