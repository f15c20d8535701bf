"""`chatops outbox`: the operator's view of proactive delivery.

chatops outbox                  counts by status
chatops outbox --dead           dead letters with their reasons (newest first)
chatops outbox retry 12 15      put dead or cancelled rows back to pending, attempts reset
chatops outbox retry --all-dead put every dead letter back
chatops outbox purge --days 30  delete sent/cancelled rows older than that
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from commands.ports.outbox import DeliveryStatus

if TYPE_CHECKING:  # imported when an outbox command runs, not by every `chatops` start
    from store.outbox_admin import SqlOutboxAdmin

Action = Callable[["SqlOutboxAdmin", argparse.Namespace, TextIO], Awaitable[int]]


def add_outbox_commands(subparsers: Any) -> None:
    """Register `outbox` (with `retry` and `purge`) on the `chatops` subparsers."""
    outbox = subparsers.add_parser("outbox", help="proactive delivery: counts, dead letters, retries")
    outbox.add_argument("--dead", action="store_true", help="list dead letters with their reasons")
    outbox.add_argument("--limit", type=int, default=50, help="how many dead letters to list (default 50)")
    outbox.set_defaults(func=_run, outbox_action=_status)
    sub = outbox.add_subparsers(dest="outbox_command")
    retry = sub.add_parser("retry", help="put dead (or cancelled) rows back to pending")
    retry.add_argument("ids", nargs="*", type=int, help="row ids (see `chatops outbox --dead`)")
    retry.add_argument("--all-dead", action="store_true", help="every dead letter")
    retry.set_defaults(outbox_action=_retry)
    purge = sub.add_parser("purge", help="delete sent and cancelled rows older than --days")
    purge.add_argument("--days", type=int, default=30)
    purge.set_defaults(outbox_action=_purge)


def _run(args: argparse.Namespace) -> int:
    from bot.settings import load_settings

    url = load_settings(args.env_file).core.database_url
    return asyncio.run(run_action(url, args.outbox_action, args, sys.stdout))


async def run_action(url: str, action: Action, args: argparse.Namespace, out: TextIO) -> int:
    """Run one outbox action against the database at `url` (tests call this directly)."""
    from store.db import Database
    from store.outbox_admin import SqlOutboxAdmin

    db = Database.from_url(url)
    try:
        return await action(SqlOutboxAdmin(db), args, out)
    finally:
        await db.dispose()


async def _status(repo: SqlOutboxAdmin, args: argparse.Namespace, out: TextIO) -> int:
    counts = await repo.counts()
    for status in DeliveryStatus:
        print(f"{status.value:<10} {counts.get(status.value, 0):>8}", file=out)
    if args.dead:
        rows = await repo.dead(args.limit)
        print(f"\n{len(rows)} dead letter(s), newest first:", file=out)
        for row in rows:
            print(
                f"#{row.id:<7} {row.platform.value:<6} attempts={row.attempts:<3} {row.delivery_key}\n"
                f"         {row.last_error or '(no reason recorded)'}",
                file=out,
            )
    return 0


async def _retry(repo: SqlOutboxAdmin, args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.ids) == bool(args.all_dead):
        print("chatops outbox retry: give row ids or --all-dead (not both)", file=out)
        return 2
    now = datetime.now(UTC)
    revived = await repo.revive(now) if args.all_dead else await repo.revive(now, args.ids)
    print(f"{revived} row(s) back to pending", file=out)
    return 0 if revived or args.all_dead else 1


async def _purge(repo: SqlOutboxAdmin, args: argparse.Namespace, out: TextIO) -> int:
    removed = await repo.purge(datetime.now(UTC) - timedelta(days=args.days))
    print(f"{removed} sent/cancelled row(s) older than {args.days} day(s) deleted", file=out)
    return 0
