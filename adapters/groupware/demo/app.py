"""The demo groupware service: Dooray's paths, envelope and `dooray-api` token check, data in SQLite."""

from __future__ import annotations

import hmac
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from adapters.groupware.demo import api
from adapters.groupware.demo.envelope import CLOCK, DB_PATH, REQUEST_LOG, SESSION, STORE, WEBHOOK_URL, fail
from adapters.groupware.demo.store import DemoStore
from commands.ports.clock import Clock, SystemClock

_PROTECTED = ("/project/", "/common/", "/admin/")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_demo_groupware_app(
    db_path: str,
    *,
    token: str,
    clock: Clock | None = None,
    webhook_url: str = "",
    timezone: str = "Asia/Seoul",
) -> web.Application:
    """An aiohttp application speaking Dooray's REST API over the demo database at `db_path`.

    Requests under /project, /common and /admin need `Authorization: dooray-api {token}`.
    `webhook_url`, when set, receives `postDueDateChanged` hooks besides the hooks registered
    through `POST /project/v1/projects/{id}/hooks`. Seed the database first (`seed()`).
    """
    if not token:
        raise ValueError("the demo groupware needs a token")
    app = web.Application(middlewares=[_auth_middleware(f"dooray-api {token}")])
    app[STORE] = DemoStore(db_path, ZoneInfo(timezone))
    app[CLOCK] = clock or SystemClock()
    app[DB_PATH] = db_path
    app[WEBHOOK_URL] = webhook_url
    app[REQUEST_LOG] = deque(maxlen=5000)
    app.cleanup_ctx.append(_resources)
    api.add_routes(app.router)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    await app[STORE].open()
    app[SESSION] = aiohttp.ClientSession()
    try:
        yield
    finally:
        await app[SESSION].close()
        await app[STORE].close()


def _auth_middleware(expected: str) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request.app[REQUEST_LOG].append((request.method, request.path, request.query_string))
        if request.path.startswith(_PROTECTED):
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return fail(401, "인증에 실패했습니다. (invalid dooray-api token)")
        return await handler(request)

    return middleware
