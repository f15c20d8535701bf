"""Digest fan-out benchmark: one 08:30 digest (sales, orders, inventory) to 1,000 channels (500 Teams
channels over two tenants, 500 Slack channels), composed by the real scheduler + DigestRunner against the
embedded demo ERP over HTTP, stored through the real outbox with the real renderers, and delivered by a
DeliveryWorker with the real SDK senders to local fakes that enforce the platforms' limits.

    python -m bench digest [--channels 1000] [--concurrency 50] [--scale 1] [--db URL] [--no-write]

Reported: time per digest composed (wall time / digests, and each fire's latency p50/p95), how many
KPI reads reached the ERP (the cache shares them), and delivery throughput as a fraction of the rate-limit
ceiling: the shortest time the limits allow for the load (the slowest limit key's greedy schedule) divided
by the time from the worker's start to the last accepted message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from loguru import logger

from adapters.erp import HttpErpClient
from adapters.erp.demo import create_demo_erp_app, seed
from adapters.slack.sender import SlackSender, build_worker_client
from adapters.slack.sender import render_payload as slack_payload
from adapters.teams.routes import BotFrameworkConfig, build_adapter
from adapters.teams.sender import TeamsSender
from adapters.teams.sender import render_payload as teams_payload
from bench._report import commit_label
from commands.businessdays import KoreanCalendar
from commands.features import build_registry
from commands.features.kpi import (
    DigestRunner,
    ErpKpiSource,
    KpiFeature,
    KpiReader,
    OrgDirectory,
    install,
    load_catalogue,
)
from commands.features.kpi.schedule import job_definition
from commands.invocation import ConversationKind, Platform
from commands.ports.clock import SystemClock
from commands.ports.kpi import DigestSubscription, ScheduleKind, SourceKind
from commands.ports.targets import Target
from commands.services import Services
from jobs.delivery import DeliveryWorker
from jobs.outbox import OutboxService
from jobs.ratelimit import LimitKey, RateLimiter, platform_rules, scaled
from jobs.scheduler import Scheduler
from store.db import Database
from store.digests import SqlDigestRepository
from store.identities import SqlIdentityRepository
from store.jobs import SqlJobRepository, SqlRunRepository
from store.migrate import upgrade
from store.outbox import SqlOutboxRepository
from store.targets import SqlTargetRepository
from tests.fixtures.delivery import teams_reference
from tests.fixtures.delivery_fakes import PlatformFakes, fake_rules

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "digest.md"
KST = ZoneInfo("Asia/Seoul")
API_KEY = "bench-erp-key"
TEAMS_RPS, SLACK_RPS = 40.0, 80.0  # per tenant (Microsoft: ~30-50) / per workspace (an assumption)


async def serve_erp(db_path: str) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(
        create_demo_erp_app(db_path, api_key=API_KEY, webhook_url=None, webhook_secret=None)
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


def ceiling_seconds(channels: int, scale: float) -> float:
    """The shortest time the limits allow: one message per channel, Teams split over two tenants."""
    rules = scaled(platform_rules(teams_tenant_rps=TEAMS_RPS, slack_workspace_rps=SLACK_RPS), scale)
    load: Counter[LimitKey] = Counter()
    for i in range(channels):
        load[("teams", "tenant", f"tenant-{(i // 2) % 2}") if i % 2 == 0 else ("slack", "tenant", "T1")] += 1
    worst = 0.0
    for key, n in load.items():
        limiter = RateLimiter(rules, clock=lambda: 0.0, margin=0.0)
        worst = max(worst, max(limiter.reserve([key]).wait for _ in range(n)))
    return worst


async def run(args: argparse.Namespace, db_url: str, erp_path: str) -> dict[str, float]:
    clock = SystemClock()
    fakes = PlatformFakes(
        fake_rules(teams_tenant_rps=TEAMS_RPS, slack_workspace_rps=SLACK_RPS, scale=args.scale),
        scale=args.scale,
    )
    await fakes.start()
    erp_runner, erp_url = await serve_erp(erp_path)
    erp = HttpErpClient(erp_url, api_key=API_KEY)
    db = Database.from_url(db_url, pool_size=10)
    try:
        await asyncio.to_thread(upgrade, db.sync_url)
        targets = SqlTargetRepository(db)
        repo = SqlOutboxRepository(db)
        outbox = OutboxService(
            repo, targets, {Platform.TEAMS: teams_payload, Platform.SLACK: slack_payload}, clock
        )
        services = Services(
            build_registry(), clock, SqlIdentityRepository(db), targets, erp=erp, outbox=outbox
        )
        jobs, runs = SqlJobRepository(db), SqlRunRepository(db)
        reader = KpiReader({SourceKind.ERP: ErpKpiSource(erp)}, clock, ttl=300)
        feature = KpiFeature(
            load_catalogue(ROOT / "config" / "kpi.yaml"),
            reader,
            OrgDirectory(erp),
            KoreanCalendar(),
            SqlDigestRepository(db),
            jobs,
            runs,
        )
        install(services, feature)
        executive = next(e for e in await erp.list_employees() if "executive" in e.roles)
        definitions = []
        for i in range(args.channels):
            if i % 2 == 0:
                conv, tenant = f"19:channel-{i:04d}@thread.tacv2", f"tenant-{(i // 2) % 2}"
                ref = teams_reference(fakes.teams_url, conv, tenant)
                target = Target(Platform.TEAMS, tenant, conv, ConversationKind.CHANNEL, reference=ref)
            else:
                conv = f"C{i:05d}"
                target = Target(
                    Platform.SLACK,
                    "T1",
                    conv,
                    ConversationKind.CHANNEL,
                    reference={"team_id": "T1", "channel_id": conv},
                )
            stored = await targets.upsert(target)
            sub = await feature.digests.add(
                DigestSubscription(  # type: ignore[union-attr]
                    stored.platform,
                    stored.id or 0,
                    ("sales", "orders", "inventory"),
                    ScheduleKind.DAILY,
                    at="08:30",
                    created_by=executive.employee_no,
                    skip_if_empty=False,
                )
            )
            definitions.append(await jobs.upsert(job_definition(sub)))
        scheduler = Scheduler(jobs, runs, clock, replica_id="bench")
        scheduler.register_kind("digest", DigestRunner(services, feature))
        scheduled_for = datetime.combine(datetime.now(KST).date(), clock_time(8, 30), KST)
        latencies: list[float] = []
        gate = asyncio.Semaphore(args.concurrency)

        async def fire(definition: object) -> None:
            async with gate:
                began = time.perf_counter()
                status = await scheduler.fire(definition, scheduled_for)  # type: ignore[arg-type]
                latencies.append(time.perf_counter() - began)
                assert status is not None and status.value == "success", status

        print(f"  composing {len(definitions)} digests ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        await asyncio.gather(*(fire(d) for d in definitions))
        compose_s = time.perf_counter() - began
        limiter = RateLimiter(
            scaled(platform_rules(teams_tenant_rps=TEAMS_RPS, slack_workspace_rps=SLACK_RPS), args.scale),
            margin=0.02 / args.scale,
        )
        adapter = build_adapter(BotFrameworkConfig("", "", "MultiTenant", ""))
        senders = {
            Platform.TEAMS: TeamsSender(adapter, "", service_url=fakes.teams_url, timeout=10),
            Platform.SLACK: SlackSender(
                build_worker_client("xoxb-bench", fakes.slack_url), check_history=False
            ),
        }
        worker = DeliveryWorker(
            repo,
            senders,
            limiter,
            clock,
            targets=targets,
            worker_id="bench",
            batch=64,
            concurrency=64,
            lease=60,
            send_timeout=10,
            max_wait=5,
        )
        print("  delivering ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        await worker.start()
        await asyncio.wait_for(fakes.wait_accepted(args.channels), timeout=600)
        deliver_s = (fakes.last_at or started) - started
        await worker.stop()
        for sender in senders.values():
            await sender.aclose()  # type: ignore[attr-defined]
        per_channel = [len(v) for v in fakes.order.values()]
        return {
            "digests": len(definitions),
            "compose_s": compose_s,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000,
            "erp_reads": reader.fetches,
            "deliver_s": deliver_s,
            "channels_reached": len(per_channel),
            "duplicates": sum(n - 1 for n in per_channel if n > 1),
            "limit429": fakes.answers["limit429"],
        }
    finally:
        await db.dispose()
        await erp.aclose()
        await erp_runner.cleanup()
        await fakes.close()


def report(args: argparse.Namespace, r: dict[str, float], db_kind: str) -> str:
    ceiling = max(ceiling_seconds(args.channels, args.scale), 1e-3)  # a small load fits in one burst
    rate = r["channels_reached"] / r["deliver_s"] if r["deliver_s"] > 0 else 0.0
    return "\n".join(
        [
            "# Digest fan-out benchmark",
            "",
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit_label()}",
            f"- machine: {' '.join(platform.uname())}; {os.cpu_count()} CPUs; "
            f"Python {platform.python_version()}",
            f"- database: {db_kind}; demo ERP over HTTP on loopback; KPI cache TTL 300 s; "
            f"{args.concurrency} fires at once",
            f"- load: {int(r['digests'])} subscriptions (sales, orders, inventory; company scope of an "
            f"executive), half Teams channels over 2 tenants, half Slack channels, all due at 08:30",
            f"- limits enforced by the fakes (periods / {args.scale:g}): Teams {TEAMS_RPS:g}/s per tenant "
            f"and per-conversation windows; Slack {SLACK_RPS:g}/s per workspace and 1/s per channel",
            "",
            "| measure | value |",
            "|---|---|",
            f"| digests composed + enqueued | {int(r['digests'])} in {r['compose_s']:.2f} s |",
            f"| time per digest (wall / digests) | {r['compose_s'] / r['digests'] * 1000:.1f} ms |",
            f"| one fire's latency p50 / p95 | {r['p50_ms']:.0f} ms / {r['p95_ms']:.0f} ms |",
            f"| KPI reads that reached the ERP | {int(r['erp_reads'])} (the cache served the rest) |",
            f"| delivered | {int(r['channels_reached'])} channels in {r['deliver_s']:.2f} s "
            f"({rate:.1f} msg/s) |",
            f"| rate-limit ceiling | {args.channels / ceiling:.1f} msg/s ({ceiling:.2f} s for the load) |",
            f"| fraction of the ceiling reached | {ceiling / r['deliver_s']:.0%} |"
            if r["deliver_s"]
            else "| - | - |",
            f"| duplicates / 429s from the limits | {int(r['duplicates'])} / {int(r['limit429'])} |",
            "",
        ]
    )


async def main_async(argv: list[str]) -> int:
    logger.remove()
    logger.add(sys.stderr, level="WARNING")  # per-request debug lines would dominate the timings
    parser = argparse.ArgumentParser(prog="python -m bench digest", description=__doc__)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--scale", type=float, default=1.0, help="divide every limit period by this")
    parser.add_argument("--db", default="", help="an empty database URL (default: a fresh SQLite file)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/digest.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        erp_path = f"{tmp}/erp.db"
        await asyncio.to_thread(seed, erp_path, today=datetime.now(KST).date())
        result = await run(args, args.db or f"sqlite:///{tmp}/bench.db", erp_path)
    text = report(args, result, "PostgreSQL" if args.db.startswith("postgres") else "SQLite (WAL)")
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)
    ok = result["channels_reached"] == args.channels and result["duplicates"] == 0
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    return asyncio.run(main_async(argv))
