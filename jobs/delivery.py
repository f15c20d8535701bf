"""The delivery worker: claims due outbox rows, sends them through the platform senders within the
rate limits, and records what happened (sent, retry later, dead letter, target gone).

Conversations run side by side; within one conversation rows go strictly in order, because the store
only ever hands out the oldest unfinished row of a conversation (store/outbox.py). A conversation
that is throttled for longer than `max_wait` is put back with a due time instead of holding a slot,
so one hot conversation does not block the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger

from commands.invocation import Platform
from commands.ports.clock import Clock
from commands.ports.outbox import (
    Delivery,
    DeliveryFailed,
    OutboxRepository,
    PermanentFailure,
    RateLimited,
    Sender,
    TargetGone,
    TransientFailure,
)
from commands.ports.targets import Target, TargetRepository
from jobs.marks import SentMarks
from jobs.ratelimit import LimitKey, RateLimiter
from jobs.resolve import Resolver


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**(n-1)))."""

    base: float = 2.0
    cap: float = 900.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** max(0, attempt - 1)))


class DeliveryWorker:
    """`start()`/`stop()` run the loop as an asyncio task; `run_once()` claims one batch and finishes
    it (tests). `notify()` wakes the loop at once (the OutboxService calls it on enqueue).

    `concurrency` rows are in hand at most (sending, or waiting up to `max_wait` for their rate
    limit), of which `send_concurrency` are talking to a platform at once. Tenants booked up more
    than `saturation` seconds ahead are skipped when claiming."""

    def __init__(
        self,
        outbox: OutboxRepository,
        senders: Mapping[Platform, Sender],
        limiter: RateLimiter,
        clock: Clock,
        *,
        targets: TargetRepository,
        worker_id: str = "",
        batch: int = 20,
        concurrency: int = 128,
        send_concurrency: int = 32,
        lease: float = 60.0,
        max_attempts: int = 8,
        max_throttled: int = 50,
        poll_interval: float = 2.0,
        max_wait: float = 5.0,
        send_timeout: float = 30.0,
        saturation: float = 0.5,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if lease <= max_wait + send_timeout:
            raise ValueError("the lease must outlast a rate-limit wait plus a send timeout")
        self._outbox = outbox
        self._senders = dict(senders)
        self._limiter = limiter
        self._clock = clock
        self._targets = targets
        self._resolver = Resolver(outbox, targets)
        self._marks = SentMarks(outbox, clock)
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self._batch = batch
        self._concurrency = concurrency
        self._sending = asyncio.Semaphore(send_concurrency)
        self._lease = lease
        self._max_attempts = max_attempts
        self._max_throttled = max_throttled
        self._poll = poll_interval
        self._max_wait = max_wait
        self._send_timeout = send_timeout
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False
        self._dues: list[datetime] = []  # when rows this worker put back fall due (a heap)
        self._tenants: set[LimitKey] = set()  # tenant keys with bookings, for _busy_tenants
        self._saturation = saturation

    def notify(self) -> None:
        """Something new is due: claim now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._loop is None:
            self._stopping = False
            self._loop = asyncio.create_task(self._run(), name=f"delivery-{self.worker_id}")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming, let the sends in flight finish (up to `grace` seconds), then return. Rows
        still unfinished stay leased and are claimed again when their lease runs out."""
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        if self._inflight:
            _, late = await asyncio.wait(self._inflight, timeout=grace)
            for task in late:
                task.cancel()

    async def run_once(self) -> int:
        """Claim one batch and process it to the end; how many rows were claimed."""
        claimed = await self._claim(self._batch)
        await asyncio.gather(*(self._process(d) for d in claimed))
        return len(claimed)

    async def _run(self) -> None:
        least = max(1, min(self._batch, self._concurrency) // 4)
        while not self._stopping:
            self._wake.clear()
            free = self._concurrency - len(self._inflight)
            if free >= least or (free > 0 and not self._inflight):
                limit = min(self._batch, free)
                try:
                    claimed = await self._claim(limit)
                except Exception:
                    logger.exception("outbox claim failed")
                    claimed = []
                for delivery in claimed:
                    task = asyncio.create_task(self._process(delivery))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
                if len(claimed) == limit:
                    continue  # probably more due
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._sleep_for())

    def _sleep_for(self) -> float:
        """Until the next poll, or until a row this worker put back falls due, whichever comes first."""
        if not self._dues:
            return self._poll
        return min(self._poll, max(0.01, (self._dues[0] - self._clock.now()).total_seconds()))

    async def _claim(self, limit: int) -> list[Delivery]:
        now = self._clock.now()
        while self._dues and self._dues[0] <= now:
            heapq.heappop(self._dues)
        return await self._outbox.claim(
            self.worker_id,
            now,
            self._lease,
            limit,
            skip_tenants=self._busy_tenants(),
            per_tenant=max(1, self._batch // 4),
        )

    def _busy_tenants(self) -> list[tuple[Platform, str]]:
        """Tenants whose rate limit is booked up for a while: claiming more of their rows now would only
        park them in slots that conversations of other tenants and platforms could use."""
        busy = []
        for key in list(self._tenants):
            backlog = self._limiter.backlog(key)
            if backlog > self._saturation:
                busy.append((Platform(key[0]), key[2]))
            elif backlog == 0:
                self._tenants.discard(key)
        return busy

    async def _process(self, delivery: Delivery) -> None:
        try:
            await self._deliver(delivery)
        except Exception:
            logger.exception("delivery {} ({}) failed unexpectedly", delivery.id, delivery.delivery_key)
        finally:
            self._wake.set()

    async def _deliver(self, delivery: Delivery) -> None:
        sender = self._senders.get(delivery.platform)
        if sender is None:
            await self._dead(delivery, f"no sender for {delivery.platform.value}")
            return
        target: Target | None = None
        try:
            delivery, target = await self._resolver.resolve(delivery, sender, self.worker_id)
            if not target.active:
                raise TargetGone(f"conversation inactive: {target.inactive_reason or 'unknown reason'}")
            booked = await self._take_turn(delivery, target)
            if booked is None:
                return
            async with self._sending:
                for key, at in booked:
                    self._limiter.settle([key], at)
                async with asyncio.timeout(self._send_timeout):
                    result = await sender.send(delivery, target)
        except RateLimited as exc:
            await self._rate_limited(delivery, target, exc)
        except TargetGone as exc:
            await self._target_gone(delivery, target, exc.reason)
        except PermanentFailure as exc:
            await self._dead(delivery, exc.reason)
        except TransientFailure as exc:
            await self._failed(delivery, exc.reason)
        except TimeoutError:
            await self._failed(delivery, f"no answer within {self._send_timeout:g}s")
        except DeliveryFailed as exc:
            await self._failed(delivery, exc.reason)
        except Exception as exc:
            logger.opt(exception=exc).warning("delivery {}: unexpected send error", delivery.id)
            await self._failed(delivery, f"unexpected {type(exc).__name__}")
        else:
            # Mark sent first thing after the platform accepted: this is the at-least-once window
            # (a crash before the commit sends the message again; see jobs/marks.py).
            await self._marks.mark(delivery.id, result.message_id)

    async def _take_turn(self, delivery: Delivery, target: Target) -> list[tuple[LimitKey, float]] | None:
        """Wait for the conversation's turn, then for the tenant's: booking the tenant only once the
        conversation may send keeps one slow conversation from holding a tenant slot far ahead (which
        would make every other conversation of the tenant queue behind it). Returns the bookings, or
        None when the row was put back for later."""
        booked = []
        for key in self._keys(target):
            grant = self._limiter.reserve([key], max_wait=self._max_wait)
            if not grant.ok:
                await self._later(delivery, grant.wait, delivery.last_error, failed=False, throttled=False)
                return None
            if grant.wait > 0:
                await asyncio.sleep(grant.wait)
            booked.append((key, grant.at))
        return booked

    def _keys(self, target: Target) -> list[LimitKey]:
        platform = target.platform.value
        tenant: LimitKey = (platform, "tenant", target.tenant_id)
        self._tenants.add(tenant)
        return [(platform, "conversation", target.conversation_id), tenant]

    async def _rate_limited(self, delivery: Delivery, target: Target | None, exc: RateLimited) -> None:
        if target is not None:
            self._limiter.pause(self._keys(target)[0], exc.retry_after)
        if delivery.throttled + 1 > self._max_throttled:
            await self._dead(delivery, f"rate limited {delivery.throttled + 1} times: {exc.reason}")
            return
        await self._later(delivery, exc.retry_after, exc.reason, failed=False, throttled=True)

    async def _failed(self, delivery: Delivery, reason: str) -> None:
        attempt = delivery.attempts + 1
        if attempt >= self._max_attempts:
            await self._dead(delivery, f"gave up after {attempt} attempts: {reason}")
            return
        delay = self._backoff.delay(attempt, self._rng)
        await self._later(delivery, delay, reason, failed=True, throttled=False)

    async def _later(
        self, delivery: Delivery, delay: float, reason: str, *, failed: bool, throttled: bool
    ) -> None:
        """Back to pending for `delay` seconds; the loop wakes up for it then rather than at its next poll."""
        at = self._clock.now() + timedelta(seconds=delay)
        await self._outbox.retry_later(
            delivery.id, self.worker_id, at, reason, failed=failed, throttled=throttled
        )
        heapq.heappush(self._dues, at)

    async def _target_gone(self, delivery: Delivery, target: Target | None, reason: str) -> None:
        """The conversation is unusable: deactivate it, dead-letter this row and cancel the rest."""
        await self._dead(delivery, f"target gone: {reason}")
        if target is None or target.id is None:
            return
        if target.active:
            await self._targets.deactivate(target.id, reason)
        cancelled = await self._outbox.cancel_for_target(
            target.id, f"target gone: {reason}", self._clock.now()
        )
        logger.warning(
            "delivery target {} gone ({}): deactivated, {} pending message(s) cancelled",
            target.id,
            reason,
            cancelled,
        )

    async def _dead(self, delivery: Delivery, reason: str) -> None:
        if await self._outbox.kill(delivery.id, self.worker_id, reason, self._clock.now()):
            logger.warning("delivery {} ({}) dead: {}", delivery.id, delivery.delivery_key, reason)
