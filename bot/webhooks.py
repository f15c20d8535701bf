"""POST /erp/webhook: the ERP's signed notice that an approval item was created or changed.

The signature is checked before anything else (bad or stale: 401, nothing happens). The sync runs in
the background and the ERP gets 202 at once; if it fails, the polling job catches the item later.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web
from loguru import logger

from adapters.erp.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookRejected,
    parse_webhook_event,
    verify_webhook,
)
from commands.errors import ChatOpsError
from commands.ports.clock import Clock

_SEEN_EVENTS = 10_000


class ErpWebhook:
    def __init__(self, secret: str, clock: Clock, on_item: Callable[[str], Awaitable[object]]) -> None:
        self._secret = secret
        self._clock = clock
        self._on_item = on_item
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_webhook(
                self._secret,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                self._clock.now(),
            )
        except WebhookRejected as exc:
            logger.warning("ERP webhook refused: {}", exc.reason)
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            event = parse_webhook_event(body)
        except WebhookRejected:
            return web.json_response({"error": "malformed event"}, status=400)
        if event.event_id in self._seen:
            return web.json_response({"status": "duplicate"}, status=200)
        self._seen[event.event_id] = None
        if len(self._seen) > _SEEN_EVENTS:
            self._seen.popitem(last=False)
        task = asyncio.create_task(self._sync(event.item_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"status": "accepted"}, status=202)

    async def _sync(self, item_id: str) -> None:
        try:
            await self._on_item(item_id)
        except ChatOpsError as exc:
            logger.warning(
                "ERP webhook: sync of {} failed ({}); the poller will catch it", item_id, type(exc).__name__
            )
        except Exception:
            logger.exception("ERP webhook: sync of {} failed", item_id)

    async def drain(self) -> None:
        """Wait for syncs in flight (shutdown, tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
