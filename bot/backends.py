"""Builds the ERP and groupware clients; with no URLs configured, starts the embedded demo services
(real HTTP servers on loopback, each over its own SQLite file) and points the same clients at them."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from loguru import logger
from pydantic import SecretStr

from adapters.erp.auth import OAuthSettings
from adapters.erp.client import HttpErpClient
from adapters.erp.demo import create_demo_erp_app
from adapters.erp.demo import seed as seed_erp
from adapters.groupware.demo.app import create_demo_groupware_app
from adapters.groupware.demo.seed import seed as seed_groupware
from adapters.groupware.dooray import DoorayTaskSource
from adapters.groupware.graph import PlannerTaskSource
from bot.settings import Settings
from commands.ports.clock import Clock
from commands.ports.erp import ErpPort
from commands.ports.tasks import TaskSource

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
        api_key = secrets.token_urlsafe(24)
        backends.demo_erp_api_key = api_key
        today = datetime.now(ZoneInfo(settings.core.timezone)).date()
        await asyncio.to_thread(_prepare_db, cfg.demo_db)
        seeded = await asyncio.to_thread(seed_erp, cfg.demo_db, today=today, reset=False)
        webhook_url = f"http://127.0.0.1:{settings.core.port}/erp/webhook"
        secret = backends.erp_webhook_secret

        def factory() -> web.Application:
            return create_demo_erp_app(
                cfg.demo_db, api_key=api_key, webhook_url=webhook_url, webhook_secret=secret, clock=clock
            )

        backends.demo_erp = DemoServer(factory, cfg.demo_port)
        backends.demo_erp_url = await backends.demo_erp.start()
        backends.closers.append(backends.demo_erp.stop)
        logger.info("demo ERP on {} ({})", backends.demo_erp_url, "seeded now" if seeded else "existing data")
        client = HttpErpClient(backends.demo_erp_url, api_key=api_key, timeout=cfg.timeout_seconds)
    else:
        oauth = None
        if cfg.oauth_token_url:
            secret = cfg.oauth_client_secret.get_secret_value()
            oauth = OAuthSettings(cfg.oauth_token_url, cfg.oauth_client_id, secret, cfg.oauth_scope)
        key = cfg.api_key.get_secret_value() or None
        client = HttpErpClient(cfg.url, api_key=key, oauth=oauth, timeout=cfg.timeout_seconds)
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
        planner_source = PlannerTaskSource(
            planner.tenant_id, planner.client_id, planner.client_secret.get_secret_value(), planner.plan_ids
        )
        backends.task_sources.append(planner_source)
        backends.closers.append(planner_source.aclose)


async def _start_demo_groupware(settings: Settings, clock: Clock, backends: Backends) -> None:
    cfg = settings.dooray
    token = secrets.token_urlsafe(24)
    today = datetime.now(ZoneInfo(settings.core.timezone)).date()
    employees = await backends.erp.list_employees()
    members = [(f"m{e.employee_no}", e.name, e.email) for e in employees if e.email]
    await asyncio.to_thread(_prepare_db, cfg.demo_db)
    await asyncio.to_thread(seed_groupware, cfg.demo_db, today=today, members=members or None, reset=False)
    if not settings.nudges.dooray_webhook_token.get_secret_value():
        # the demo's due-date webhooks need the endpoint's secret: one per process when none is set
        settings.nudges.dooray_webhook_token = SecretStr(secrets.token_urlsafe(24))
    hook_token = settings.nudges.dooray_webhook_token.get_secret_value()
    webhook_url = f"http://127.0.0.1:{settings.core.port}/dooray/webhook?token={hook_token}"
    app = create_demo_groupware_app(
        cfg.demo_db, token=token, clock=clock, webhook_url=webhook_url, timezone=settings.core.timezone
    )
    backends.demo_groupware_url = await _serve(app, cfg.demo_port, backends)
    project_ids = await asyncio.to_thread(_demo_projects, cfg.demo_db)
    source = DoorayTaskSource(
        backends.demo_groupware_url, token, project_ids, web_url=backends.demo_groupware_url
    )
    backends.task_sources.append(source)
    backends.closers.append(source.aclose)
    logger.info("demo groupware (Dooray API) on {}", backends.demo_groupware_url)


class DemoServer:
    """An embedded demo service on loopback. It can be stopped and started again on the same port with
    its data kept in its database (an ERP outage, for trying the bot's retry paths)."""

    def __init__(self, factory: Callable[[], web.Application], port: int) -> None:
        self._factory = factory
        self._port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        if self._runner is None:
            self._runner = web.AppRunner(self._factory(), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self._port).start()
            self._port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{self._port}"

    async def stop(self) -> None:
        """Close the service and its connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def _serve(app: web.Application, port: int, backends: Backends) -> str:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    backends.closers.append(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, bound_port = runner.addresses[0][:2]
    return f"http://{host}:{bound_port}"


def _demo_projects(path: str) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [str(row[0]) for row in conn.execute("SELECT id FROM projects ORDER BY code")]


def _prepare_db(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _placeholder() -> ErpPort:
    return None  # type: ignore[return-value]  # replaced before start_backends returns
