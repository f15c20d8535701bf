"""The demo ERP's outgoing webhook: signed, fire-and-forget, a few retries with backoff."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
from loguru import logger

from adapters.erp.demo.common import now_stamp
from adapters.erp.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_webhook
from commands.ports.clock import Clock


class WebhookSender:
    """POSTs approval events to `url`; `notify` never waits for the delivery."""

    def __init__(
        self, url: str | None, secret: str | None, clock: Clock, *, attempts: int = 4, backoff: float = 0.2
    ) -> None:
        if url and not secret:
            raise ValueError("a webhook URL needs a webhook secret to sign with")
        self._url = url
        self._secret = secret or ""
        self._clock = clock
        self._attempts = attempts
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._url:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))

    async def close(self, grace: float = 2.0) -> None:
        """Give deliveries in flight a moment, then cancel what is left."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def notify(self, event_type: str, item_id: str, version: int) -> None:
        if self._session is None:
            return
        event = {
            "event_id": uuid.uuid4().hex,
            "type": event_type,
            "item_id": item_id,
            "version": version,
            "occurred_at": now_stamp(self._clock),
        }
        task = asyncio.create_task(self._deliver(json.dumps(event, ensure_ascii=False).encode()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, body: bytes) -> None:
        if self._session is None or not self._url:
            return
        for attempt in range(self._attempts):
            timestamp = int(self._clock.now().timestamp())
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign_webhook(self._secret, timestamp, body),
            }
            try:
                async with self._session.post(self._url, data=body, headers=headers) as response:
                    if response.status < 300:
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = type(exc).__name__
            logger.info("demo ERP webhook attempt {} failed: {}", attempt + 1, problem)
            if attempt + 1 < self._attempts:
                await asyncio.sleep(self._backoff * 2**attempt)
        logger.warning("demo ERP webhook gave up after {} attempts", self._attempts)
