"""Slack Socket Mode: the same Bolt app, fed over a websocket instead of POST /slack/events.

On when SLACK_APP_TOKEN (xapp-…) is set. The connection is made in the background, so start-up never
waits for Slack; slack-sdk's aiohttp client retries a failed connect and reconnects a dropped one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from bot.bootstrap import Container

Closer = Callable[[], Awaitable[None]]


def start_socket_mode(container: Container) -> Closer | None:
    """Start connecting (in the background) when Slack is on and SLACK_APP_TOKEN is set.

    Returns the coroutine function that disconnects and frees the client, or None when Socket Mode is
    off. Must be called with the event loop running (the client makes its aiohttp session here).
    """
    settings = container.settings.slack
    if container.slack is None or not settings.socket_mode:
        return None
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(container.slack.app, app_token=settings.app_token.get_secret_value())

    async def connect() -> None:
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            logger.info("slack socket mode connected")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.error("slack socket mode could not connect: {}", type(exc).__name__)

    task = asyncio.ensure_future(connect())

    async def close() -> None:
        await handler.close_async()  # type: ignore[no-untyped-call]
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        logger.info("slack socket mode closed")

    return close
