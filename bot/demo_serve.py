"""`chatops demo serve`: the demo ERP and groupware in a process of their own, the way a real ERP and
Dooray run beside the bot. The bot then reaches them through ERP_URL / DOORAY_URL like real backends;
this command writes those settings (with the keys it uses) to an env file for the bot to read.

Keys and webhook secrets come from the settings when they are set (ERP_API_KEY, ERP_WEBHOOK_SECRET,
DOORAY_TOKEN, NUDGE_DOORAY_WEBHOOK_TOKEN) and are generated otherwise. The services listen on loopback,
on ERP_DEMO_PORT and DOORAY_DEMO_PORT (0: any free port; the env file has the real addresses).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from adapters.erp.client import HttpErpClient
from bot.demo_backends import Closer, start_demo_erp, start_demo_groupware
from commands.ports.clock import SystemClock

if TYPE_CHECKING:
    from bot.settings import Settings


async def serve_demo(
    settings: Settings, *, bot_url: str, env_out: Path, stop: asyncio.Event
) -> dict[str, str]:
    """Start both services, write the bot's settings for them to `env_out` (mode 0600), and serve until
    `stop` is set. Returns the settings written."""
    clock = SystemClock()
    api_key = settings.erp.api_key.get_secret_value() or secrets.token_urlsafe(24)
    erp_hook_secret = settings.erp.webhook_secret.get_secret_value() or secrets.token_urlsafe(32)
    token = settings.dooray.token.get_secret_value() or secrets.token_urlsafe(24)
    hook_token = settings.nudges.dooray_webhook_token.get_secret_value() or secrets.token_urlsafe(24)
    bot_url = bot_url.rstrip("/")
    closers: list[Closer] = []
    try:
        erp = await start_demo_erp(
            settings,
            clock,
            api_key=api_key,
            webhook_url=f"{bot_url}/erp/webhook",
            webhook_secret=erp_hook_secret,
        )
        closers.append(erp.server.stop)
        client = HttpErpClient(erp.url, api_key=api_key, timeout=settings.erp.timeout_seconds)
        try:
            groupware = await start_demo_groupware(
                settings,
                clock,
                client,
                token=token,
                webhook_url=f"{bot_url}/dooray/webhook?token={hook_token}",
                closers=closers,
            )
        finally:
            await client.aclose()
        values = {
            "ERP_URL": erp.url,
            "ERP_API_KEY": api_key,
            "ERP_WEBHOOK_SECRET": erp_hook_secret,
            "DOORAY_URL": groupware.url,
            "DOORAY_TOKEN": token,
            "DOORAY_PROJECT_IDS": ",".join(groupware.project_ids),
            "DOORAY_WEB_URL": groupware.url,
            "NUDGE_DOORAY_WEBHOOK_TOKEN": hook_token,
        }
        write_env_file(env_out, values)
        logger.info(
            "demo ERP on {} ({}), demo groupware on {}; the bot's settings are in {}",
            erp.url,
            "seeded now" if erp.seeded else "existing data",
            groupware.url,
            env_out,
        )
        await stop.wait()
        return values
    finally:
        for close in reversed(closers):
            try:
                await close()
            except Exception:
                logger.exception("error while closing a demo service")


def write_env_file(path: Path, values: dict[str, str]) -> None:
    """KEY='value' lines (single quotes: dotenv reads them literally), readable by the owner only (the
    file holds keys), replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with suppress(FileNotFoundError):
        partial.unlink()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(f"{key}={_quoted(value)}\n" for key, value in values.items())
    partial.replace(path)


def _quoted(value: str) -> str:
    if "\n" in value:
        raise ValueError("a setting cannot span lines")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run(settings: Settings, *, bot_url: str, env_out: Path) -> None:
    """Serve until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_demo(settings, bot_url=bot_url, env_out=env_out, stop=stop)

    asyncio.run(main())
