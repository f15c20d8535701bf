"""The composition root: builds every object from settings, and tears them down again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from adapters.slack.app import SlackListeners
from adapters.slack.profiles import SlackProfiles
from adapters.slack.routes import SlackEndpoint, build_app, build_client
from adapters.teams.bot import ChatOpsTeamsBot
from adapters.teams.profiles import TeamsProfiles
from adapters.teams.routes import BotFrameworkConfig, TeamsEndpoint, build_adapter
from bot.backends import Backends, start_backends
from bot.background import build_scheduler, start_background
from bot.delivery import DeliveryStack, SlackCredentials, TeamsCredentials, build_delivery
from bot.kpi import install_kpi
from bot.nudges import dooray_webhook_handler, ensure_nudge_jobs, install_nudges, nudge_job_kinds
from bot.settings import Settings
from bot.webhooks import ErpWebhook
from commands.dispatch import Dispatcher
from commands.errors import ConfigurationError
from commands.features import build_registry
from commands.features.approvals import ApprovalSync
from commands.i18n import CATALOG
from commands.linking import AutoLinker
from commands.ports.clock import Clock, SystemClock
from commands.services import Services
from jobs.approvals import DecisionSender
from jobs.scheduler import Scheduler
from store.audit import SqlAuditLog
from store.db import Database
from store.decisions import SqlDecisionQueue
from store.identities import SqlIdentityRepository
from store.jobs import SqlJobRepository, SqlRunRepository
from store.migrate import current_heads, declared_heads, heads
from store.targets import SqlTargetRepository

SLACK_DRAIN_SECONDS = 10.0  # at shutdown, for clicks and slow commands already acked


@dataclass
class Container:
    settings: Settings
    db: Database
    backends: Backends
    services: Services
    dispatcher: Dispatcher
    teams: TeamsEndpoint
    slack: SlackEndpoint | None = None
    erp_webhook: ErpWebhook | None = None
    dooray_webhook: Any = None
    delivery: DeliveryStack | None = None
    scheduler: Scheduler | None = None
    decision_sender: DecisionSender | None = None
    job_repo: SqlJobRepository | None = None
    run_repo: SqlRunRepository | None = None
    job_kinds: dict[str, Any] = field(default_factory=dict)
    closers: list[Any] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                logger.exception("error while shutting down")
        if self.erp_webhook is not None:
            await self.erp_webhook.drain()
        if self.delivery is not None:
            await self.delivery.aclose()
        await self.backends.aclose()
        await self.db.dispose()


async def build_container(settings: Settings, *, clock: Clock | None = None) -> Container:
    clock = clock or SystemClock()
    db = Database.from_url(settings.core.database_url)
    await _require_migrated(db)
    try:
        backends = await start_backends(settings, clock)
    except BaseException:
        await db.dispose()
        raise
    registry = build_registry()
    services = Services(
        registry=registry,
        clock=clock,
        identities=SqlIdentityRepository(db),
        targets=SqlTargetRepository(db),
        default_locale=settings.core.default_locale,
        timezone=settings.core.timezone,
        erp=backends.erp,
        tasks=backends.task_sources,
        link_requires_email_match=settings.link.require_email_match,
        audit=SqlAuditLog(db, clock=clock),
        decisions=SqlDecisionQueue(db, clock=clock),
    )
    delivery = _build_delivery(settings, db, services)
    services.outbox = delivery.outbox
    dispatcher = Dispatcher(services, AutoLinker(services.identities, backends.erp))
    teams = _build_teams(settings, dispatcher, services)
    container = Container(settings, db, backends, services, dispatcher, teams, delivery=delivery)
    container.closers.append(teams.aclose)
    try:
        container.scheduler = build_scheduler(container)
        await install_kpi(container)
        registry.validate(services, CATALOG)
        if settings.slack.enabled:
            container.slack = _build_slack(settings, dispatcher, services, container)
        container.erp_webhook = ErpWebhook(
            backends.erp_webhook_secret, clock, lambda item_id: ApprovalSync(services).item_changed(item_id)
        )
        install_nudges(container)
        container.job_kinds.update(nudge_job_kinds(container))
        await ensure_nudge_jobs(container)
        container.dooray_webhook = dooray_webhook_handler(container)
        await delivery.start()
        await start_background(container)
    except BaseException:
        await container.aclose()
        raise
    return container


def _build_delivery(settings: Settings, db: Database, services: Services) -> DeliveryStack:
    teams = TeamsCredentials(
        settings.teams.app_id,
        settings.teams.app_password.get_secret_value(),
        settings.teams.app_type.value,
        settings.teams.app_tenant_id,
    )
    slack = None
    if settings.slack.enabled:
        slack = SlackCredentials(settings.slack.bot_token.get_secret_value(), settings.slack.api_url)
    return build_delivery(db, services.targets, settings.delivery, services.clock, teams=teams, slack=slack)


def _build_teams(settings: Settings, dispatcher: Dispatcher, services: Services) -> TeamsEndpoint:
    cfg = settings.teams
    config = BotFrameworkConfig(
        cfg.app_id, cfg.app_password.get_secret_value(), cfg.app_type.value, cfg.app_tenant_id
    )
    profiles = TeamsProfiles(services.identities, settings.core.default_locale)
    bot = ChatOpsTeamsBot(dispatcher, services.targets, profiles, settings.core.default_locale)
    if cfg.local_mode:
        logger.warning("Teams is in local mode (no MICROSOFT_APP_ID): requests are not authenticated")
    return TeamsEndpoint(build_adapter(config), bot, settings.teams_policy.allowed_tenants)


def _build_slack(
    settings: Settings, dispatcher: Dispatcher, services: Services, container: Container
) -> SlackEndpoint:
    cfg = settings.slack
    client = build_client(cfg.bot_token.get_secret_value(), cfg.api_url)
    app = build_app(client, cfg.signing_secret.get_secret_value())
    profiles = SlackProfiles(client, services.identities, settings.core.default_locale)
    listeners = SlackListeners(
        dispatcher, services.targets, profiles, services.registry, ack_budget=cfg.ack_budget_seconds
    )
    listeners.register(app)
    container.closers.append(lambda: listeners.drain(SLACK_DRAIN_SECONDS))
    return SlackEndpoint(app)


async def _require_migrated(db: Database) -> None:
    """The database must be at the migration scripts' heads. The heads are read from the scripts' text
    (`declared_heads`); Alembic itself is imported only when that reading does not match."""
    at = await asyncio.to_thread(current_heads, db.sync_url)
    if at == declared_heads():
        return
    wanted_heads = await asyncio.to_thread(heads)
    if at != set(wanted_heads):
        await db.dispose()
        found, wanted = ", ".join(sorted(at)) or "nothing", ", ".join(wanted_heads)
        raise ConfigurationError(
            f"DATABASE_URL: the database schema is at {found}, not {wanted}; run `chatops migrate` first"
        )
