"""Group commit of "sent" marks: the window between a platform accepting a message and the outbox
knowing it is the one where a crash makes a duplicate, so marks must not queue behind other writes.

The first mark starts a flush at once (no added delay when the worker is quiet); marks that arrive
while a flush is committing go out together in the next one. Under load that is one transaction for
many rows instead of one each, so the window stays about one commit long however busy the worker is.
"""

from __future__ import annotations

import asyncio

from loguru import logger

from commands.ports.clock import Clock
from commands.ports.outbox import OutboxRepository

_Pending = tuple[int, str, asyncio.Future[None]]


class SentMarks:
    """`await mark(row_id, message_id)` returns once the row is committed as sent."""

    def __init__(
        self, outbox: OutboxRepository, clock: Clock, *, attempts: int = 5, retry_delay: float = 0.5
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._pending: list[_Pending] = []
        self._flushing: asyncio.Task[None] | None = None

    async def mark(self, row_id: int, message_id: str) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row_id, message_id, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._drain(), name="outbox-sent-marks")
        await asyncio.shield(done)  # a cancelled sender must not cancel the others' marks

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            error = await self._flush([(row_id, message_id) for row_id, message_id, _ in batch])
            for _, _, done in batch:
                if done.done():
                    continue
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)

    async def _flush(self, sent: list[tuple[int, str]]) -> Exception | None:
        """Commit the batch, retrying briefly (the messages are out: losing the marks means sending
        them again once the lease runs out). The last error when every attempt failed."""
        error: Exception | None = None
        for attempt in range(self._attempts):
            try:
                await self._outbox.mark_sent_many(sent, self._clock.now())
                return None
            except Exception as exc:
                error = exc
                logger.warning(
                    "could not mark {} delivery(ies) sent ({}), attempt {}",
                    len(sent),
                    type(exc).__name__,
                    attempt + 1,
                )
                await asyncio.sleep(self._retry_delay * (attempt + 1))
        return error
