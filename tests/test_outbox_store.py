"""The outbox table on both dialects: idempotent enqueue, leased in-order claims, lease expiry,
guarded updates, dead letters and revival, person and update routing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commands.cards import Reply
from commands.errors import NotFound
from commands.invocation import Platform
from commands.ports.outbox import DeliveryStatus, MessageRef, OutboundMessage, Person
from tests.fixtures.db import count_rows
from tests.fixtures.delivery import DeliveryEnv


async def test_the_same_key_twice_is_one_row(delivery_env: DeliveryEnv) -> None:
    target = await delivery_env.slack_target()
    assert await delivery_env.post(target, "k1", "first") is True
    assert await delivery_env.post(target, "k1", "second") is False
    assert await count_rows(delivery_env.db, "outbox") == 1
    row = await delivery_env.row("k1")
    assert row.status is DeliveryStatus.PENDING and row.conv_key == f"t:{target.id}"
    assert row.payload["text"] == "first" and row.payload["blocks"]


async def test_claim_hands_out_only_the_head_of_each_conversation(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    a, b = await env.slack_target("C1"), await env.slack_target("C2")
    for i in range(3):
        await env.post(a, f"a{i}")
        await env.post(b, f"b{i}")
    claimed = await env.repo.claim("w1", env.clock.now(), 30, 10)
    assert [d.delivery_key for d in claimed] == ["a0", "b0"]
    assert all(d.status is DeliveryStatus.SENDING and d.target is not None for d in claimed)
    assert claimed[0].target == a
    # Nothing else is claimable while the heads are being sent.
    assert await env.repo.claim("w2", env.clock.now(), 30, 10) == []
    await env.repo.mark_sent(claimed[0].id, "ts-1", env.clock.now())
    assert [d.delivery_key for d in await env.repo.claim("w2", env.clock.now(), 30, 10)] == ["a1"]


async def test_a_row_in_backoff_holds_back_its_conversation_only(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    a, b = await env.slack_target("C1"), await env.slack_target("C2")
    await env.post(a, "a0")
    await env.post(a, "a1")
    await env.post(b, "b0")
    first = await env.repo.claim("w1", env.clock.now(), 30, 1)
    later = env.clock.now() + timedelta(minutes=5)
    assert await env.repo.retry_later(first[0].id, "w1", later, "boom", failed=True, throttled=False)
    (other,) = await env.repo.claim("w1", env.clock.now(), 30, 10)
    assert other.delivery_key == "b0"
    await env.repo.mark_sent(other.id, "ts", env.clock.now())
    env.clock.advance(minutes=6)
    again = await env.repo.claim("w1", env.clock.now(), 30, 10)
    assert [(d.delivery_key, d.attempts, d.last_error) for d in again] == [("a0", 1, "boom")]


async def test_an_expired_lease_is_claimed_again_and_flagged(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    target = await env.teams_target()
    await env.post(target, "k1")
    (first,) = await env.repo.claim("dead-worker", env.clock.now(), 30, 5)
    assert not first.recovered
    env.clock.advance(seconds=29)
    assert await env.repo.claim("w2", env.clock.now(), 30, 5) == []
    env.clock.advance(seconds=2)
    (again,) = await env.repo.claim("w2", env.clock.now(), 30, 5)
    assert again.id == first.id and again.recovered
    # The dead worker's late verdicts no longer count; a successful send still does.
    assert not await env.repo.retry_later(
        first.id, "dead-worker", env.clock.now(), "x", failed=True, throttled=False
    )
    assert not await env.repo.kill(first.id, "dead-worker", "x", env.clock.now())
    await env.repo.mark_sent(first.id, "activity-9", env.clock.now())
    row = await env.row("k1")
    assert (row.status, row.platform_message_id, row.sent_at) == (
        DeliveryStatus.SENT,
        "activity-9",
        env.clock.now(),
    )


async def test_dead_letters_are_listed_and_revived(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    target = await env.slack_target()
    for key in ("k1", "k2"):
        await env.post(target, key)
        (row,) = await env.repo.claim("w1", env.clock.now(), 30, 1)
        assert await env.repo.kill(row.id, "w1", f"invalid_blocks {key}", env.clock.now())
    assert (await env.repo.counts()) == {"dead": 2}
    assert [(d.delivery_key, d.last_error, d.attempts) for d in await env.admin.dead()] == [
        ("k2", "invalid_blocks k2", 1),
        ("k1", "invalid_blocks k1", 1),
    ]
    dead = await env.row("k1")
    assert await env.admin.revive(env.clock.now(), [dead.id]) == 1
    assert (await env.row("k1")).attempts == 0
    assert await env.admin.revive(env.clock.now()) == 1
    assert (await env.repo.counts()) == {"pending": 2}


async def test_cancel_for_target_and_purge(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    a, b = await env.slack_target("C1"), await env.slack_target("C2")
    for key in ("a1", "a2"):
        await env.post(a, key)
    await env.post(b, "b1")
    assert await env.repo.cancel_for_target(a.id or 0, "target gone: not_in_channel", env.clock.now()) == 2
    assert (await env.row("a2")).last_error == "target gone: not_in_channel"
    assert await env.outbox.cancel("b1") is True
    assert await env.outbox.cancel("b1") is False
    assert await env.admin.purge(env.clock.now() + timedelta(seconds=1)) == 3
    assert await count_rows(env.db, "outbox") == 0


async def test_a_person_without_a_known_chat_is_routed_by_person(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    person = Person(Platform.SLACK, "T1", "U9")
    await env.outbox.enqueue(OutboundMessage.to_person(person, Reply("hi"), key="dm1"))
    row = await env.row("dm1")
    assert (row.conv_key, row.person_user, row.tenant_id, row.target_id) == (
        "p:slack:T1:U9",
        "U9",
        "T1",
        None,
    )


async def test_updates_route_to_the_original_message(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    target = await env.slack_target()
    await env.post(target, "card")
    by_key = OutboundMessage.update("card", Reply("v2"), key="card:v2", platform=Platform.SLACK)
    await env.outbox.enqueue(by_key)
    row = await env.row("card:v2")
    assert (row.reply_to, row.conv_key, row.target_id) == ("key:card", f"t:{target.id}", target.id)
    assert await env.outbox.delivered_ref("card") is None

    (head,) = await env.repo.claim("w1", env.clock.now(), 30, 5)
    await env.repo.mark_sent(head.id, "1700000000.000001", env.clock.now())
    ref = await env.outbox.delivered_ref("card")
    assert ref == MessageRef(Platform.SLACK, target.id or 0, "1700000000.000001")
    await env.outbox.enqueue(OutboundMessage.update(ref, Reply("v3"), key="card:v3"))
    assert (await env.row("card:v3")).reply_to == "1700000000.000001"

    with pytest.raises(NotFound):
        await env.outbox.enqueue(OutboundMessage.update("nope", Reply("x"), key="x", platform=Platform.SLACK))


def test_messages_are_checked_when_built() -> None:
    with pytest.raises(ValueError):
        OutboundMessage("k", Platform.SLACK, Reply("x"))  # neither target nor person
    with pytest.raises(ValueError):
        OutboundMessage.update("k", Reply("x"), key="k2")  # update of a key needs the platform
    with pytest.raises(ValueError):
        OutboundMessage("", Platform.SLACK, Reply("x"), target_id=1)


async def test_a_busy_conversation_keeps_its_place_in_line(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    a, b = await env.slack_target("C1"), await env.slack_target("C2")
    await env.post(a, "a0")
    env.clock.advance(seconds=1)
    await env.post(b, "b0")
    env.clock.advance(seconds=1)
    await env.post(a, "a1")  # queued after b0 ...
    (first,) = await env.repo.claim("w1", env.clock.now(), 30, 1)
    await env.repo.mark_sent(first.id, "ts", env.clock.now())
    # ... but it takes a0's place once a0 is done, so C1 is not sent to the back of the line.
    (second,) = await env.repo.claim("w1", env.clock.now(), 30, 1)
    assert (first.delivery_key, second.delivery_key) == ("a0", "a1")


async def test_claim_can_leave_a_busy_tenant_for_later(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    await env.post(await env.teams_target("a:1", tenant="busy"), "t1")
    await env.post(await env.teams_target("a:2", tenant="calm", user="29:u2"), "t2")
    await env.post(await env.slack_target("C1", team="busy"), "s1")  # same tenant id, other platform
    claimed = await env.repo.claim("w1", env.clock.now(), 30, 10, skip_tenants=[(Platform.TEAMS, "busy")])
    assert sorted(d.delivery_key for d in claimed) == ["s1", "t2"]
    assert (await env.row("t1")).tenant_id == "busy"


async def test_claim_takes_at_most_per_tenant_rows_of_a_tenant(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    for team in ("T1", "T2"):
        for n in range(3):
            await env.post(await env.slack_target(f"C{team}{n}", team=team), f"{team}-{n}")
    claimed = await env.repo.claim("w1", env.clock.now(), 30, 10, per_tenant=2)
    assert sorted(d.delivery_key for d in claimed) == ["T1-0", "T1-1", "T2-0", "T2-1"]


async def test_mark_sent_many_finishes_every_row_in_one_go(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    a, b = await env.slack_target("C1"), await env.slack_target("C2")
    for i in range(2):
        await env.post(a, f"a{i}")
        await env.post(b, f"b{i}")
    heads = await env.repo.claim("w1", env.clock.now(), 30, 10)
    at = env.clock.now()
    await env.repo.mark_sent_many(
        [(d.id, f"ts-{d.delivery_key}") for d in heads] + [(heads[0].id, "late")], at
    )
    for d in heads:
        row = await env.repo.by_key(d.delivery_key)
        assert row is not None
        assert (row.status, row.platform_message_id, row.sent_at) == (
            DeliveryStatus.SENT,
            f"ts-{d.delivery_key}",
            at,
        )
    nxt = await env.repo.claim("w2", env.clock.now(), 30, 10)
    assert sorted(d.delivery_key for d in nxt) == ["a1", "b1"]
    await env.repo.mark_sent_many([], at)  # nothing to do, no transaction


async def test_the_longest_queue_is_claimed_first_then_the_oldest(delivery_env: DeliveryEnv) -> None:
    env = delivery_env
    short, long_, other = (
        await env.slack_target("C1"),
        await env.slack_target("C2"),
        await env.slack_target("C3"),
    )
    await env.post(short, "s0")
    await env.post(other, "o0")
    for i in range(3):
        await env.post(long_, f"l{i}")
    first = await env.repo.claim("w1", env.clock.now(), 30, 1)
    assert [d.delivery_key for d in first] == ["l0"]
    rest = await env.repo.claim("w1", env.clock.now(), 30, 5)
    assert [d.delivery_key for d in rest] == ["s0", "o0"]  # equal queues: oldest first
