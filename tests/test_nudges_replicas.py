"""Once-only across processes: two replicas scanning the same database at the same time (SQLite file and,
with TEST_DATABASE_URL, PostgreSQL) send every step once; a process that dies between claiming steps and
enqueueing their card has the card sent by the next scan, under the same delivery key."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import timedelta

import pytest

from adapters.slack.sender import render_payload as slack_payload
from adapters.teams.sender import render_payload as teams_payload
from commands.errors import UpstreamUnavailable
from commands.features.nudges import NudgeFeature, NudgeScanner
from commands.invocation import Platform
from commands.ports.outbox import MessageRef, OutboundMessage
from jobs.outbox import OutboxService
from store.db import Database
from store.nudges import SqlNudgeRepository
from store.outbox import SqlOutboxRepository
from store.targets import SqlTargetRepository
from tests.fixtures.nudges import ASSIGNEE, NudgeEnv, kst, text_of

TITLES = ("견적서 회신", "계약서 검토", "출장 보고서", "예산안 제출", "교육 신청")


def replica(env: NudgeEnv, db: Database, feature: NudgeFeature | None = None) -> NudgeScanner:
    """Another process: its own engine, repositories and outbox service over the same database."""
    targets = SqlTargetRepository(db, clock=env.clock)
    renderers = {Platform.TEAMS: teams_payload, Platform.SLACK: slack_payload}
    outbox = OutboxService(SqlOutboxRepository(db), targets, renderers, env.clock)
    services = dataclasses.replace(env.services, targets=targets, outbox=outbox, extras={})
    feature = feature or dataclasses.replace(env.feature, repo=SqlNudgeRepository(db, clock=env.clock))
    return NudgeScanner(services, feature)


async def test_two_replicas_scanning_at_once_send_each_step_once(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    for title in TITLES:
        env.add_task(title, kst(2026, 9, 14, 18), [ASSIGNEE])
    other_db = Database.from_url(env.db.url)
    try:
        scanners = [env.scanner(), replica(env, other_db), env.scanner(), replica(env, other_db)]
        for moment in (kst(2026, 9, 9, 9, 1), kst(2026, 9, 11, 9, 1), kst(2026, 9, 14, 9, 1)):
            env.at(moment)
            await asyncio.gather(*(s.scan(env.source) for s in scanners))
    finally:
        await other_db.dispose()
    seen: Counter[str] = Counter()
    for message in await env.messages_to(ASSIGNEE):
        text = text_of(message)
        seen.update(title for title in TITLES if title in text)
    assert seen == {title: 3 for title in TITLES}  # b3, b1, d0: each task in exactly one card per step


class DyingOutbox:
    """An outbox whose process dies on the first enqueue."""

    async def enqueue(self, message: OutboundMessage) -> bool:
        raise UpstreamUnavailable("database", "the process died")

    async def delivered_ref(self, delivery_key: str) -> MessageRef | None:
        return None

    async def cancel(self, delivery_key: str) -> bool:
        return False


async def test_a_batch_claimed_by_a_dead_process_is_sent_by_the_next_scan(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    dying = dataclasses.replace(env.services, outbox=DyingOutbox(), extras={})
    with pytest.raises(UpstreamUnavailable):
        await NudgeScanner(dying, env.feature).scan(env.source)
    assert await env.messages_to(ASSIGNEE) == []

    assert (await env.scan()).cards == 0  # the step is claimed: a rescan does not send it again
    env.at(env.clock.now() + timedelta(seconds=env.feature.config.recover_after_seconds + 1))
    await env.scan()  # recovery: the claimed batch goes out from the ledger's snapshot
    messages = await env.messages_to(ASSIGNEE)
    assert len(messages) == 1 and "견적서 회신" in text_of(messages[0])
    env.at(env.clock.now() + timedelta(minutes=10))
    await env.scan()
    assert len(await env.messages_to(ASSIGNEE)) == 1


async def test_a_restarted_bot_with_a_new_feature_object_sends_nothing_twice(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    assert (await env.scan()).cards == 1
    other_db = Database.from_url(env.db.url)
    try:
        fresh = NudgeFeature(SqlNudgeRepository(other_db, clock=env.clock), [env.source])
        report = await replica(env, other_db, fresh).scan(env.source)
    finally:
        await other_db.dispose()
    assert report.cards == 0 and report.candidates == 1
