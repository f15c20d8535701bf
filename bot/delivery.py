"""Composition of proactive delivery: the outbox service (the core's Outbox port), the platform
senders, the rate limiter and the worker, from the container's objects and DELIVERY_* settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.slack.sender import SlackSender, build_worker_client
from adapters.slack.sender import render_payload as slack_payload
from adapters.teams.routes import BotFrameworkConfig, build_adapter
from adapters.teams.sender import TeamsSender
from adapters.teams.sender import render_payload as teams_payload
from bot.settings_delivery import DeliverySettings
from commands.invocation import Platform
from commands.ports.clock import Clock
from commands.ports.outbox import Sender
from commands.ports.targets import TargetRepository
from jobs.delivery import Backoff, DeliveryWorker
from jobs.outbox import OutboxService, Renderer
from jobs.ratelimit import RateLimiter, Scope, Window, platform_rules
from store.db import Database
from store.outbox import SqlOutboxRepository


@dataclass(frozen=True)
class TeamsCredentials:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    tenant_id: str = ""


@dataclass(frozen=True)
class SlackCredentials:
    bot_token: str
    api_url: str = "https://slack.com/api/"


@dataclass
class DeliveryStack:
    """What the composition root holds: `outbox` goes into Services; start() after the container is
    built, aclose() before the database is disposed."""

    outbox: OutboxService
    repo: SqlOutboxRepository
    worker: DeliveryWorker | None
    closers: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        if self.worker is not None:
            await self.worker.start()

    async def aclose(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        for close in self.closers:
            await close()


def build_delivery(
    db: Database,
    targets: TargetRepository,
    cfg: DeliverySettings,
    clock: Clock,
    *,
    teams: TeamsCredentials | None,
    slack: SlackCredentials | None,
    worker_id: str = "",
    rules: dict[Scope, tuple[Window, ...]] | None = None,
) -> DeliveryStack:
    """Everything proactive delivery needs. `rules` overrides the platform limits (benchmarks)."""
    repo = SqlOutboxRepository(db)
    renderers: dict[Platform, Renderer] = {}
    senders: dict[Platform, Sender] = {}
    closers: list[Any] = []
    if teams is not None:
        adapter = build_adapter(
            BotFrameworkConfig(teams.app_id, teams.app_password, teams.app_type, teams.tenant_id)
        )
        teams_sender = TeamsSender(
            adapter, teams.app_id, service_url=cfg.teams_service_url, timeout=cfg.send_timeout_seconds
        )
        renderers[Platform.TEAMS] = teams_payload
        senders[Platform.TEAMS] = teams_sender
        closers.append(teams_sender.aclose)
    if slack is not None:
        client = build_worker_client(slack.bot_token, slack.api_url, timeout=cfg.send_timeout_seconds)
        slack_sender = SlackSender(client, check_history=cfg.slack_check_history)
        renderers[Platform.SLACK] = slack_payload
        senders[Platform.SLACK] = slack_sender
        closers.append(slack_sender.aclose)
    outbox = OutboxService(repo, targets, renderers, clock)
    worker: DeliveryWorker | None = None
    if cfg.enabled:
        limits = rules or platform_rules(
            teams_tenant_rps=cfg.teams_tenant_rps, slack_workspace_rps=cfg.slack_workspace_rps
        )
        worker = DeliveryWorker(
            repo,
            senders,
            RateLimiter(limits, margin=cfg.limit_margin_ms / 1000),
            clock,
            targets=targets,
            worker_id=worker_id,
            batch=cfg.batch_size,
            concurrency=cfg.concurrency,
            send_concurrency=cfg.send_concurrency,
            lease=cfg.lease_seconds,
            max_attempts=cfg.max_attempts,
            max_throttled=cfg.max_throttled,
            poll_interval=cfg.poll_seconds,
            max_wait=cfg.max_wait_seconds,
            send_timeout=cfg.send_timeout_seconds,
            backoff=Backoff(cfg.backoff_base_seconds, cfg.backoff_cap_seconds),
        )
        outbox.subscribe(worker.notify)
    return DeliveryStack(outbox, repo, worker, closers)
