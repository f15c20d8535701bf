"""The aiohttp application: one process, one port, Teams and Slack side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web
from loguru import logger

from bot.bootstrap import Container, build_container
from bot.http import error_middleware, request_id_middleware
from bot.playground import setup_playground
from bot.settings import Settings
from bot.socket_mode import start_socket_mode
from commands.ports.clock import Clock

CONTAINER = web.AppKey("container", Container)


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(
        client_max_size=settings.core.max_body_bytes,
        middlewares=[request_id_middleware, error_middleware],
    )
    app.cleanup_ctx.append(_lifecycle(settings, clock))
    app.router.add_post("/api/messages", _teams)
    app.router.add_post("/slack/events", _slack)
    app.router.add_post("/erp/webhook", _erp_webhook)
    app.router.add_post("/dooray/webhook", _dooray_webhook)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    setup_playground(app, settings, lambda a: a[CONTAINER], settings.playground)
    return app


def _lifecycle(settings: Settings, clock: Clock | None) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        container = await build_container(settings, clock=clock)
        app[CONTAINER] = container
        close_socket_mode = start_socket_mode(container)
        if close_socket_mode is not None:
            container.closers.append(close_socket_mode)
        logger.info(
            "chatops ready: teams={} slack={}",
            "local" if settings.teams.local_mode else "authenticated",
            "on" if container.slack else "off",
        )
        yield
        await container.aclose()

    return lifecycle


async def _teams(request: web.Request) -> web.StreamResponse:
    return await request.app[CONTAINER].teams.handle(request)


async def _slack(request: web.Request) -> web.StreamResponse:
    slack = request.app[CONTAINER].slack
    if slack is None:
        return web.json_response({"error": "slack is not configured"}, status=404)
    return await slack.handle(request)


async def _erp_webhook(request: web.Request) -> web.StreamResponse:
    webhook = request.app[CONTAINER].erp_webhook
    if webhook is None:
        return web.json_response({"error": "not configured"}, status=404)
    return await webhook.handle(request)


async def _dooray_webhook(request: web.Request) -> web.StreamResponse:
    handler = request.app[CONTAINER].dooray_webhook
    if handler is None:
        return web.json_response({"error": "not configured"}, status=404)
    response: web.StreamResponse = await handler(request)
    return response


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def _readyz(request: web.Request) -> web.Response:
    try:
        await request.app[CONTAINER].db.ping()
    except Exception as exc:
        logger.warning("not ready: {}", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ready", "database": "ok"})
