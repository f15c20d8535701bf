"""The demo ERP and groupware as real HTTP servers on loopback, each over its own SQLite file: started
inside the bot (`chatops serve` with no ERP_URL / DOORAY_URL) or in a process of their own
(`chatops demo serve`). Imported only when a demo service is started."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from adapters.erp.demo import create_demo_erp_app
from adapters.erp.demo import seed as seed_erp
from adapters.groupware.demo.app import create_demo_groupware_app
from adapters.groupware.demo.seed import is_seeded as groupware_is_seeded
from adapters.groupware.demo.seed import seed as seed_groupware
from commands.ports.clock import Clock
from commands.ports.erp import ErpPort

if TYPE_CHECKING:
    from bot.settings import Settings

Closer = Callable[[], Awaitable[None]]


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


@dataclass
class DemoErp:
    server: DemoServer
    url: str
    seeded: bool  # seeded by this start (False: existing data)


@dataclass
class DemoGroupware:
    url: str
    project_ids: list[str]
    seeded: bool


async def start_demo_erp(
    settings: Settings, clock: Clock, *, api_key: str, webhook_url: str, webhook_secret: str
) -> DemoErp:
    """Seed the demo ERP's database unless it is seeded already, and serve it on ERP_DEMO_PORT (0: any
    free port). Approval changes are POSTed, signed with `webhook_secret`, to `webhook_url`. The caller
    stops `server`."""
    cfg = settings.erp
    await asyncio.to_thread(_prepare_db, cfg.demo_db)
    seeded = await asyncio.to_thread(seed_erp, cfg.demo_db, today=_today(settings), reset=False)

    def factory() -> web.Application:
        return create_demo_erp_app(
            cfg.demo_db, api_key=api_key, webhook_url=webhook_url, webhook_secret=webhook_secret, clock=clock
        )

    server = DemoServer(factory, cfg.demo_port)
    return DemoErp(server, await server.start(), seeded)


async def start_demo_groupware(
    settings: Settings, clock: Clock, erp: ErpPort, *, token: str, webhook_url: str, closers: list[Closer]
) -> DemoGroupware:
    """Seed the demo groupware unless it is seeded already (its members are the ERP's employees, asked
    only when seeding) and serve it on DOORAY_DEMO_PORT, with `token` as its API token. Due-date changes
    are POSTed to `webhook_url`. Its closer is appended to `closers`."""
    cfg = settings.dooray
    await asyncio.to_thread(_prepare_db, cfg.demo_db)
    seeded = False
    if not await asyncio.to_thread(groupware_is_seeded, cfg.demo_db):
        employees = await erp.list_employees()
        members = [(f"m{e.employee_no}", e.name, e.email) for e in employees if e.email]
        seeded = await asyncio.to_thread(
            seed_groupware, cfg.demo_db, today=_today(settings), members=members or None, reset=False
        )
    app = create_demo_groupware_app(
        cfg.demo_db, token=token, clock=clock, webhook_url=webhook_url, timezone=settings.core.timezone
    )
    url = await _serve(app, cfg.demo_port, closers)
    project_ids = await asyncio.to_thread(_demo_projects, cfg.demo_db)
    return DemoGroupware(url, project_ids, seeded)


async def _serve(app: web.Application, port: int, closers: list[Closer]) -> str:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    closers.append(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, bound_port = runner.addresses[0][:2]
    return f"http://{host}:{bound_port}"


def _today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.core.timezone)).date()


def _demo_projects(path: str) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [str(row[0]) for row in conn.execute("SELECT id FROM projects ORDER BY code")]


def _prepare_db(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
