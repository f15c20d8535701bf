"""The local playground: use the bot from a browser as a Teams or Slack user of the demo company.

Local mode only (no MICROSOFT_APP_ID). It mounts on the bot's own aiohttp app (no new port) and plays
the platforms' parts: a Bot Connector for Teams and a Web API + response_url for Slack. Every message
and click still goes over HTTP through the real /api/messages and /slack/events, signed like the
platform signs it.

Hook-up (composition root):
    settings = playground_settings(settings)          # before the container is built (a local Slack)
    setup_playground(app, settings, lambda a: a[CONTAINER])  # in create_app, after the routes
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from loguru import logger

from bot.playground.connector import add_connector_routes
from bot.playground.routes import add_browser_routes
from bot.playground.slack_api import add_slack_api_routes
from bot.playground.state import PLAYGROUND, ContainerGetter, Playground
from bot.settings_playground import PlaygroundSettings, playground_active, playground_settings

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["PLAYGROUND", "PlaygroundSettings", "playground_settings", "setup_playground"]


def setup_playground(
    app: web.Application,
    settings: Settings,
    container_getter: ContainerGetter,
    playground: PlaygroundSettings | None = None,
) -> bool:
    """Mount the playground on `app` when allowed (local mode, PLAYGROUND_ENABLED). True if mounted."""
    playground = playground or PlaygroundSettings()
    if not playground_active(settings, playground):
        if not settings.teams.local_mode:
            logger.debug("playground not mounted: MICROSOFT_APP_ID is set")
        return False
    state = Playground(app, settings, container_getter)
    app[PLAYGROUND] = state
    add_browser_routes(app)
    add_connector_routes(app)
    add_slack_api_routes(app)
    app.cleanup_ctx.append(_client_session)
    app.on_shutdown.append(_end_feeds)
    return True


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    state = app[PLAYGROUND]
    state.session = aiohttp.ClientSession()
    settings = state.settings.core
    logger.info("playground: http://{}:{}/playground (local mode only)", settings.host, settings.port)
    yield
    state.hub.close()
    await state.session.close()


async def _end_feeds(app: web.Application) -> None:
    app[PLAYGROUND].hub.close()
