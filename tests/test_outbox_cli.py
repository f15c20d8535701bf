"""`chatops outbox`: counts, dead letters with reasons, retry by id and --all-dead, purge."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import UTC, datetime, timedelta

from bot.cli_outbox import add_outbox_commands, run_action
from commands.ports.outbox import DeliveryStatus
from tests.fixtures.delivery import DeliveryEnv


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="chatops")
    parser.add_argument("--env-file", default=".env")
    add_outbox_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["outbox", *argv])


async def outbox(url: str, *argv: str) -> tuple[int, str]:
    """Run the command's action on `url` in a thread, as the CLI would, and capture its output."""
    args = parse(*argv)
    out = io.StringIO()
    code = await asyncio.to_thread(lambda: asyncio.run(run_action(url, args.outbox_action, args, out)))
    return code, out.getvalue()


async def _dead_letter(env: DeliveryEnv, key: str, reason: str) -> int:
    await env.post(await env.slack_target(), key)
    (row,) = await env.repo.claim("w1", env.clock.now(), 30, 5)
    await env.repo.kill(row.id, "w1", reason, env.clock.now())
    return row.id


async def test_counts_and_dead_letters(delivery_env: DeliveryEnv, database_url: str) -> None:
    env = delivery_env
    dead_id = await _dead_letter(env, "approval:7:v1", "slack 200 invalid_blocks")
    await env.post(await env.slack_target("C2"), "other")
    code, text = await outbox(database_url)
    assert code == 0
    assert "pending           1" in text and "dead              1" in text and "sent              0" in text
    code, text = await outbox(database_url, "--dead")
    assert code == 0
    assert f"#{dead_id}" in text and "approval:7:v1" in text and "slack 200 invalid_blocks" in text


async def test_retry_by_id_and_all_dead(delivery_env: DeliveryEnv, database_url: str) -> None:
    env = delivery_env
    first = await _dead_letter(env, "k1", "gave up after 8 attempts: slack 500")
    await _dead_letter(env, "k2", "gave up after 8 attempts: slack 500")
    assert (await outbox(database_url, "retry"))[0] == 2  # neither ids nor --all-dead
    code, text = await outbox(database_url, "retry", str(first))
    assert (code, text.strip()) == (0, "1 row(s) back to pending")
    row = await env.row("k1")
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    assert (await outbox(database_url, "retry", str(first)))[0] == 1  # nothing left to revive
    code, text = await outbox(database_url, "retry", "--all-dead")
    assert (code, text.strip()) == (0, "1 row(s) back to pending")
    assert (await env.row("k2")).status is DeliveryStatus.PENDING


async def test_purge_keeps_recent_rows(delivery_env: DeliveryEnv, database_url: str) -> None:
    env = delivery_env
    env.clock.set(datetime.now(UTC) - timedelta(days=40))
    await env.post(await env.slack_target(), "k1")
    (row,) = await env.repo.claim("w1", env.clock.now(), 30, 5)
    await env.repo.mark_sent(row.id, "ts", env.clock.now())
    env.clock.set(datetime.now(UTC))
    await env.post(await env.slack_target(), "recent")
    code, text = await outbox(database_url, "purge", "--days", "30")
    assert code == 0 and text.startswith("1 sent/cancelled row(s)")
    assert await env.repo.counts() == {"pending": 1}
