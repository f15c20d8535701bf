"""Proactive delivery benchmark: 5,000 outbox rows across 500 Teams conversations and Slack channels,
drained by a worker process (the real senders, botbuilder and slack-sdk) against local fakes that
enforce the platforms' limits (429 + Retry-After) and fail 2% of requests with 429 and 2% with 500.
Run twice: undisturbed, then with the worker SIGKILLed halfway and a new one started.

    python -m bench delivery [--total 5000] [--pg postgresql://…] [--scale 1] [--no-write]

The ceiling: every limit key (a conversation, a tenant, the workspace) must send its messages under
its windows; the slowest key's greedy schedule (simulated with the same window arithmetic) is the
shortest time the limits allow, so ceiling = deliveries / that time. Achieved = deliveries / (last
accepted delivery - worker ready). `--scale` shortens every limit period (and the ceiling with it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.slack.sender import render_payload as slack_payload
from adapters.teams.sender import render_payload as teams_payload
from bench._report import commit_label
from bot.settings_delivery import DeliverySettings
from commands.cards import Reply
from commands.invocation import ConversationKind, Platform
from commands.ports.clock import SystemClock
from commands.ports.outbox import OutboundMessage
from commands.ports.targets import Target
from jobs.outbox import OutboxService
from jobs.ratelimit import LimitKey, RateLimiter, platform_rules, scaled
from store.db import Database
from store.migrate import upgrade
from store.outbox import SqlOutboxRepository
from store.targets import SqlTargetRepository
from tests.fixtures.db import PG_ENV, create_pg_database, drop_pg_database
from tests.fixtures.delivery import teams_reference
from tests.fixtures.delivery_fakes import PlatformFakes, fake_rules

ROOT = Path(__file__).resolve().parents[1]
_MARGIN_MS = DeliverySettings.model_fields["limit_margin_ms"].default
RESULTS = ROOT / "bench" / "results" / "delivery.md"


@dataclass(frozen=True)
class Scenario:
    total: int = 5000
    conversations: int = 500  # half Teams (over `tenants` tenants), half Slack channels (one workspace)
    tenants: int = 2
    hot: int = 5  # per platform: conversations with far more messages than the rest
    hot_teams: int = 60
    hot_slack: int = 30
    teams_tenant_rps: float = 30.0  # Microsoft: ~30-50 RPS per app per tenant
    slack_workspace_rps: float = 50.0  # Slack publishes no number; an assumption
    p429: float = 0.02
    p500: float = 0.02
    lease: float = 10.0
    scale: float = 1.0

    def plan(self) -> list[tuple[Platform, str, str, int]]:
        """(platform, tenant, conversation, messages) for every conversation."""
        per_platform = self.conversations // 2
        plan: list[tuple[Platform, str, str, int]] = []
        for plat, hot_count, budget in (
            (Platform.TEAMS, self.hot_teams, self.total // 2),
            (Platform.SLACK, self.hot_slack, self.total - self.total // 2),
        ):
            hot_count = min(hot_count, budget // (2 * self.hot))
            rest = budget - self.hot * hot_count
            for i in range(per_platform):
                if i < self.hot:
                    n = hot_count
                else:
                    cold = per_platform - self.hot
                    n = rest // cold + (1 if i - self.hot < rest % cold else 0)
                if plat is Platform.TEAMS:
                    plan.append((plat, f"tenant-{i % self.tenants}", f"a:conv-{i:03d}", n))
                else:
                    plan.append((plat, "T1", f"C{i:04d}", n))
        return plan

    def ceiling(self) -> tuple[float, str]:
        """(seconds the limits need at least, the key that needs them)."""
        rules = scaled(
            platform_rules(
                teams_tenant_rps=self.teams_tenant_rps, slack_workspace_rps=self.slack_workspace_rps
            ),
            self.scale,
        )
        load: Counter[LimitKey] = Counter()
        for plat, tenant, conversation, n in self.plan():
            load[(plat.value, "conversation", conversation)] += n
            load[(plat.value, "tenant", tenant)] += n
        worst, worst_key = 0.0, ""
        for key, n in load.items():
            if n == 0:
                continue
            limiter = RateLimiter(rules, clock=lambda: 0.0, margin=0.0)
            makespan = max(limiter.reserve([key]).wait for _ in range(n))
            if makespan > worst:
                worst, worst_key = makespan, f"{key[0]} {key[1]} {key[2]} ({n} messages)"
        return worst, worst_key


@dataclass
class Outcome:
    name: str
    delivered: int
    seconds: float
    duplicates: dict[str, int]
    losses: int
    restart_gap: float | None
    answers: Counter[str]
    final: dict[str, int]
    worker_cpu: float = 0.0  # user + sys seconds of the worker process(es)


def spawn_worker(
    db_url: str, fakes: PlatformFakes, worker_id: str, s: Scenario, *, idle_exit: bool
) -> subprocess.Popen[str]:
    args = [
        sys.executable, "-m", "tests.delivery_worker_proc", "--db", db_url,
        "--slack-api-url", fakes.slack_url, "--worker-id", worker_id, "--lease", str(s.lease),
        "--batch", "32", "--concurrency", "256", "--send-concurrency", "64",
        "--teams-tenant-rps", str(s.teams_tenant_rps), "--slack-workspace-rps", str(s.slack_workspace_rps),
        "--scale", str(s.scale),
    ]  # fmt: skip
    if idle_exit:
        args.append("--exit-when-idle")
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


async def wait_ready(proc: subprocess.Popen[str]) -> float:
    assert proc.stdout is not None
    line = await asyncio.to_thread(proc.stdout.readline)
    if line.strip() != "ready":
        raise RuntimeError(f"worker did not start (exit {proc.poll()})")
    return time.monotonic()


async def enqueue_all(db: Database, fakes: PlatformFakes, s: Scenario) -> dict[str, str]:
    targets = SqlTargetRepository(db)
    outbox = OutboxService(
        SqlOutboxRepository(db),
        targets,
        {Platform.TEAMS: teams_payload, Platform.SLACK: slack_payload},
        SystemClock(),
    )
    stored: list[tuple[Target, int]] = []
    for plat, tenant, conversation, n in s.plan():
        if plat is Platform.TEAMS:
            ref = teams_reference(fakes.teams_url, conversation, tenant, user=f"29:{conversation}")
            target = Target(plat, tenant, conversation, ConversationKind.PERSONAL, f"29:{conversation}", ref)
        else:
            target = Target(
                plat, tenant, conversation, ConversationKind.CHANNEL, reference={"channel_id": conversation}
            )
        stored.append((await targets.upsert(target), n))
    keys: dict[str, str] = {}  # delivery key (also the message text) -> platform
    for round_ in range(max(n for _, n in stored)):  # interleaved, as notifications would arrive
        for target, n in stored:
            if round_ < n:
                key = f"m{len(keys):05d}"
                await outbox.enqueue(OutboundMessage.to_target(target, Reply(key), key=key))
                keys[key] = target.platform.value
    return keys


async def trace(fakes: PlatformFakes, keys: dict[str, str], started: float) -> None:
    """Every second, to stderr: accepted deliveries per platform so far (--trace)."""
    while True:
        await asyncio.sleep(1.0)
        done = Counter(p for k, p in keys.items() if fakes.accepted[k])
        print(
            f"  t={time.monotonic() - started:5.1f}s teams {done['teams']:5d} slack {done['slack']:5d} "
            f"answers {dict(fakes.answers)}",
            file=sys.stderr,
            flush=True,
        )


async def run(name: str, s: Scenario, db_url: str, *, kill: bool, tracing: bool = False) -> Outcome:
    fakes = PlatformFakes(
        fake_rules(
            teams_tenant_rps=s.teams_tenant_rps, slack_workspace_rps=s.slack_workspace_rps, scale=s.scale
        ),
        p429=s.p429,
        p500=s.p500,
        scale=s.scale,
    )
    await fakes.start()
    db = Database.from_url(db_url)
    try:
        await asyncio.to_thread(upgrade, db.sync_url)
        keys = await enqueue_all(db, fakes, s)
        print(f"  {len(keys)} enqueued", file=sys.stderr, flush=True)
        cpu_before = _children_cpu()
        proc = spawn_worker(db_url, fakes, f"{name}-1", s, idle_exit=not kill)
        started = await wait_ready(proc)
        tracer = asyncio.create_task(trace(fakes, keys, started)) if tracing else None
        gap = None
        if kill:
            await fakes.wait_accepted(len(keys) // 2)
            proc.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            await asyncio.to_thread(proc.wait)
            proc = spawn_worker(db_url, fakes, f"{name}-2", s, idle_exit=True)
            gap = await wait_ready(proc) - killed
        await asyncio.to_thread(proc.wait, 600)
        if tracer is not None:
            tracer.cancel()
        worker_cpu = _children_cpu() - cpu_before
        final = await SqlOutboxRepository(db).counts()
    finally:
        await db.dispose()
        await fakes.close()
    seconds = (fakes.last_at or started) - started
    return Outcome(
        name=name,
        delivered=sum(1 for k in keys if fakes.accepted[k]),
        seconds=seconds,
        duplicates={
            plat: sum(max(0, fakes.accepted[k] - 1) for k, p in keys.items() if p == plat)
            for plat in ("teams", "slack")
        },
        losses=sum(1 for k in keys if not fakes.accepted[k]),
        answers=fakes.answers,
        final=final,
        restart_gap=gap,
        worker_cpu=worker_cpu,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(s: Scenario, outcomes: list[Outcome], db_kind: str) -> str:
    ceiling_s, binding = s.ceiling()
    ceiling_rate = s.total / ceiling_s
    hot = Counter(n for *_, n in s.plan()).most_common()
    lines = [
        "# Delivery benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit_label()}",
        f"- machine: {' '.join(platform.uname())}; {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; load average at the end {os.getloadavg()[0]:.1f}",
        f"- database: {db_kind}; one worker process (`tests/delivery_worker_proc.py`, built by "
        f"`bot.delivery.build_delivery`): batch 32, 256 rows in hand, 64 sends at once, lease {s.lease:g} s, "
        f"rate limits = the fakes' limits plus the default safety margin of {_MARGIN_MS} ms per window",
        f"- load: {s.total} deliveries, {s.conversations // 2} Teams conversations over {s.tenants} tenants "
        f"+ {s.conversations // 2} Slack channels in one workspace; messages per conversation: "
        + ", ".join(f"{n} x{count}" for n, count in sorted(hot, reverse=True)),
        f"- limits enforced by the fakes (periods / {s.scale:g}): Teams per conversation 7/1 s, 8/2 s, "
        f"60/30 s, 1800/h and {s.teams_tenant_rps:g}/s per tenant; Slack 3 per 3 s per channel and "
        f"{s.slack_workspace_rps:g}/s per workspace; besides, {s.p429:.0%} of requests get a random 429 "
        f"(Retry-After 1 s) and {s.p500:.0%} a random 500",
        f"- ceiling: {ceiling_rate:.1f} msg/s = {s.total} deliveries / {ceiling_s:.2f} s, the greedy "
        f"schedule of the busiest limit key ({binding}); msg/s = delivered / (last accepted delivery - "
        "worker ready); the kill run includes the restart and the 10 s lease of the killed worker's rows",
        "",
        "| run | delivered | seconds | msg/s | of ceiling | duplicates (Teams / Slack) | losses "
        "| 429 over limit | random 429 | random 500 | outbox at end | worker CPU ms/delivery |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        rate = o.delivered / o.seconds if o.seconds > 0 else 0.0
        end = ", ".join(f"{k} {v}" for k, v in sorted(o.final.items()))
        name = o.name if o.restart_gap is None else f"{o.name} (new worker ready {o.restart_gap:.1f} s later)"
        lines.append(
            f"| {name} | {o.delivered} | {o.seconds:.1f} | {rate:.1f} | {rate / ceiling_rate:.0%} | "
            f"{o.duplicates['teams']} / {o.duplicates['slack']} | {o.losses} | {o.answers['limit429']} | "
            f"{o.answers['random429']} | {o.answers['random500']} | {end} | "
            f"{1000 * o.worker_cpu / max(1, o.delivered):.1f} |"
        )
    return "\n".join(lines) + "\n"


async def main_async(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench delivery", description=__doc__)
    parser.add_argument("--total", type=int, default=Scenario.total)
    parser.add_argument("--scale", type=float, default=1.0, help="divide every limit period by this")
    parser.add_argument(
        "--pg", default="", help="PostgreSQL admin URL: run on a fresh database there (default: SQLite files)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/delivery.md")
    parser.add_argument("--no-kill", action="store_true", help="only the undisturbed run")
    parser.add_argument("--trace", action="store_true", help="print progress every second")
    args = parser.parse_args(argv)
    s = Scenario(total=args.total, scale=args.scale)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, kill in (("undisturbed", False), ("SIGKILL halfway", True))[: 1 if args.no_kill else 2]:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            if args.pg:
                db_url = await asyncio.to_thread(_fresh_pg, args.pg)
                try:
                    outcomes.append(await run(name, s, db_url, kill=kill, tracing=args.trace))
                finally:
                    await asyncio.to_thread(drop_pg_database, db_url)
            else:
                db_file = f"sqlite:///{tmp}/{name.split()[0]}.db"
                outcomes.append(await run(name, s, db_file, kill=kill, tracing=args.trace))
    text = report(s, outcomes, "PostgreSQL" if args.pg else "SQLite (WAL)")
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)
    return 0 if all(o.losses == 0 for o in outcomes) else 1


def _fresh_pg(admin_url: str) -> str:
    os.environ[PG_ENV] = admin_url  # the helpers of tests/fixtures/db.py read it
    return create_pg_database("chatops_bench")


def main(argv: list[str]) -> int:
    return asyncio.run(main_async(argv))
