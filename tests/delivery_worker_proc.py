"""A delivery worker in a process of its own, built by bot.delivery.build_delivery (Teams in local
mode, Slack against `--slack-api-url`), for the multi-process tests and the benchmark.

    python -m tests.delivery_worker_proc --db postgresql://… --slack-api-url http://127.0.0.1:…/api/ \
        --worker-id w1 [--exit-when-idle]

Prints "ready" once it runs; with --exit-when-idle it stops once the outbox has rows and none of them
is pending or being sent any more.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.delivery import SlackCredentials, TeamsCredentials, build_delivery
from bot.settings_delivery import DeliverySettings
from commands.ports.clock import SystemClock
from jobs.ratelimit import platform_rules, scaled
from store.db import Database
from store.targets import SqlTargetRepository


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--send-concurrency", type=int, default=32)
    parser.add_argument("--max-attempts", type=int, default=20)
    parser.add_argument("--teams-tenant-rps", type=float, default=50.0)
    parser.add_argument("--slack-workspace-rps", type=float, default=50.0)
    parser.add_argument("--scale", type=float, default=1.0, help="limit periods divided by this")
    parser.add_argument(
        "--margin-ms", type=int, default=DeliverySettings.model_fields["limit_margin_ms"].default
    )
    parser.add_argument("--exit-when-idle", action="store_true")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    db = Database.from_url(args.db)
    cfg = DeliverySettings(
        _env_file=None,
        lease_seconds=args.lease,
        batch_size=args.batch,
        concurrency=args.concurrency,
        send_concurrency=args.send_concurrency,
        max_attempts=args.max_attempts,
        max_wait_seconds=min(5.0, args.lease / 3),
        send_timeout_seconds=min(10.0, args.lease / 2),
        poll_seconds=0.5,
        backoff_base_seconds=0.5 / args.scale,
        backoff_cap_seconds=5.0,
        teams_tenant_rps=args.teams_tenant_rps,
        slack_workspace_rps=args.slack_workspace_rps,
        limit_margin_ms=args.margin_ms,
        slack_check_history=True,
    )
    rules = scaled(
        platform_rules(teams_tenant_rps=args.teams_tenant_rps, slack_workspace_rps=args.slack_workspace_rps),
        args.scale,
    )
    stack = build_delivery(
        db,
        SqlTargetRepository(db),
        cfg,
        SystemClock(),
        teams=TeamsCredentials(),
        slack=SlackCredentials("xoxb-delivery-worker", args.slack_api_url),
        worker_id=args.worker_id,
        rules=rules,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    await stack.start()
    print("ready", flush=True)
    try:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=0.25)
            if args.exit_when_idle:
                counts = await stack.repo.counts()
                if counts and counts.get("pending", 0) + counts.get("sending", 0) == 0:
                    break
    finally:
        await stack.aclose()
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(run(parse(sys.argv[1:])))
