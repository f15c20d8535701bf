"""Builds the ERP and groupware clients; with no URLs configured, starts the embedded demo services
(real HTTP servers on loopback, each over its own SQLite file) and points the same clients at them.

The demo services and the Planner client (msal) are imported only when they are used, so a bot
pointed at a real ERP and groupware does not load them."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loguru import logger
from pydantic import SecretStr

from adapters.erp.auth import OAuthSettings
from adapters.erp.client import HttpErpClient
from adapters.groupware.dooray import DoorayTaskSource
from commands.ports.clock import Clock
from commands.ports.erp import ErpPort
from commands.ports.tasks import TaskSource

if TYPE_CHECKING:
    from bot.demo_backends import DemoServer
    from bot.settings import Settings

Closer = Callable[[], Awaitable[None]]


@dataclass
class Backends:
    erp: ErpPort
    task_sources: list[TaskSource]
    erp_webhook_secret: str
    demo_erp_url: str = ""
    demo_erp_api_key: str = ""
    demo_erp: DemoServer | None = None
    demo_groupware_url: str = ""
    closers: list[Closer] = field(default_factory=list)

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                logger.exception("error while closing a backend")


async def start_backends(settings: Settings, clock: Clock) -> Backends:
    backends = Backends(erp=_placeholder(), task_sources=[], erp_webhook_secret="")
    try:
        await _start_erp(settings, clock, backends)
        await _start_groupware(settings, clock, backends)
    except BaseException:
        await backends.aclose()
        raise
    return backends


async def _start_erp(settings: Settings, clock: Clock, backends: Backends) -> None:
    cfg = settings.erp
    backends.erp_webhook_secret = cfg.webhook_secret.get_secret_value() or secrets.token_urlsafe(32)
    if cfg.embedded:
        from bot.demo_backends import start_demo_erp

        api_key = secrets.token_urlsafe(24)
        backends.demo_erp_api_key = api_key
        demo = await start_demo_erp(
            settings,
            clock,
            api_key=api_key,
            webhook_url=f"http://127.0.0.1:{settings.core.port}/erp/webhook",
            webhook_secret=backends.erp_webhook_secret,
        )
        backends.demo_erp, backends.demo_erp_url = demo.server, demo.url
        backends.closers.append(demo.server.stop)
        logger.info("demo ERP on {} ({})", demo.url, "seeded now" if demo.seeded else "existing data")
        client = HttpErpClient(
            demo.url,
            api_key=api_key,
            timeout=cfg.timeout_seconds,
            employee_cache_seconds=cfg.employee_cache_seconds,
        )
    else:
        oauth = None
        if cfg.oauth_token_url:
            secret = cfg.oauth_client_secret.get_secret_value()
            oauth = OAuthSettings(cfg.oauth_token_url, cfg.oauth_client_id, secret, cfg.oauth_scope)
        key = cfg.api_key.get_secret_value() or None
        client = HttpErpClient(
            cfg.url,
            api_key=key,
            oauth=oauth,
            timeout=cfg.timeout_seconds,
            employee_cache_seconds=cfg.employee_cache_seconds,
        )
    backends.erp = client
    backends.closers.append(client.aclose)


async def _start_groupware(settings: Settings, clock: Clock, backends: Backends) -> None:
    dooray, planner = settings.dooray, settings.planner
    if dooray.url:
        source = DoorayTaskSource(
            dooray.url, dooray.token.get_secret_value(), dooray.project_ids, web_url=dooray.web_url
        )
        backends.task_sources.append(source)
        backends.closers.append(source.aclose)
    elif not planner.enabled:
        await _start_demo_groupware(settings, clock, backends)
    if planner.enabled:
        from adapters.groupware.graph import PlannerTaskSource

        planner_source = PlannerTaskSource(
            planner.tenant_id, planner.client_id, planner.client_secret.get_secret_value(), planner.plan_ids
        )
        backends.task_sources.append(planner_source)
        backends.closers.append(planner_source.aclose)


async def _start_demo_groupware(settings: Settings, clock: Clock, backends: Backends) -> None:
    from bot.demo_backends import start_demo_groupware

    token = secrets.token_urlsafe(24)
    if not settings.nudges.dooray_webhook_token.get_secret_value():
        # the demo's due-date webhooks need the endpoint's secret: one per process when none is set
        settings.nudges.dooray_webhook_token = SecretStr(secrets.token_urlsafe(24))
    hook_token = settings.nudges.dooray_webhook_token.get_secret_value()
    webhook_url = f"http://127.0.0.1:{settings.core.port}/dooray/webhook?token={hook_token}"
    demo = await start_demo_groupware(
        settings, clock, backends.erp, token=token, webhook_url=webhook_url, closers=backends.closers
    )
    backends.demo_groupware_url = demo.url
    source = DoorayTaskSource(demo.url, token, demo.project_ids, web_url=demo.url)
    backends.task_sources.append(source)
    backends.closers.append(source.aclose)
    logger.info("demo groupware (Dooray API) on {}", demo.url)


def _placeholder() -> ErpPort:
    return None  # type: ignore[return-value]  # replaced before start_backends returns
