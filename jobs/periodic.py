"""A small background loop: run a coroutine every N seconds until stopped; errors are logged, not fatal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from loguru import logger


class Periodic:
    def __init__(self, name: str, interval: float, work: Callable[[], Awaitable[object]]) -> None:
        self._name = name
        self._interval = interval
        self._work = work
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self._name)

    def poke(self) -> None:
        """Run again now instead of waiting for the interval."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self._work()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("{} failed; trying again in {} s", self._name, self._interval)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
