"""A multi-window sliding-log rate limiter keyed by (platform, scope, id), with pauses for 429s.

Each key scope has windows like "7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per hour" (Teams, per bot per
conversation). `reserve(keys)` books the earliest instant at which every window of every key allows
one more send and says how long to wait for it; bookings are FIFO per key, so concurrent callers queue
up instead of stampeding; `settle` moves a booking to the moment the send really started. Pure apart
from the injected clock: the tests drive it with a fake clock.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

LimitKey = tuple[str, str, str]  # (platform, scope, id), e.g. ("teams", "conversation", "a:1")
Scope = tuple[str, str]  # (platform, scope)


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `period` seconds."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a window needs limit >= 1 and period > 0")


# Teams: per bot per conversation (Microsoft's "bot per thread" limits for sending messages).
TEAMS_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
# Slack chat.postMessage: about one message per second per channel, short bursts allowed.
SLACK_CHANNEL = (Window(3, 3.0),)


def per_second(rps: float) -> tuple[Window, ...]:
    """A cap of `rps` sends per second (as a one-second window); none for rps <= 0."""
    return (Window(max(1, math.floor(rps)), 1.0),) if rps > 0 else ()


def platform_rules(*, teams_tenant_rps: float, slack_workspace_rps: float) -> dict[Scope, tuple[Window, ...]]:
    """The documented limits: Teams per conversation + per tenant, Slack per channel + per workspace."""
    return {
        ("teams", "conversation"): TEAMS_CONVERSATION,
        ("teams", "tenant"): per_second(teams_tenant_rps),
        ("slack", "conversation"): SLACK_CHANNEL,
        ("slack", "tenant"): per_second(slack_workspace_rps),
    }


def scaled(rules: Mapping[Scope, Sequence[Window]], factor: float) -> dict[Scope, tuple[Window, ...]]:
    """The same limits with every period divided by `factor` (benchmarks on shortened time)."""
    return {scope: tuple(Window(w.limit, w.period / factor) for w in ws) for scope, ws in rules.items()}


@dataclass(frozen=True)
class Grant:
    """`ok`: a send is booked `wait` seconds from now. Not ok: none is booked; `wait` is how long
    until one could be."""

    ok: bool
    wait: float
    at: float = 0.0  # the booked instant (clock time), for settle()


class RateLimiter:
    """Books sends against every window of every key given; keys of unknown scopes are unlimited
    (but can still be paused). `margin` seconds are added to each period to absorb network jitter."""

    def __init__(
        self,
        rules: Mapping[Scope, Sequence[Window]],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = 0.05,
    ) -> None:
        self._rules = {scope: tuple(ws) for scope, ws in rules.items()}
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._log: dict[LimitKey, list[float]] = {}  # sorted send times (booked or settled)
        self._paused: dict[LimitKey, float] = {}
        self._horizon = max((w.period for ws in self._rules.values() for w in ws), default=0.0) + margin
        self._calls = 0

    def reserve(self, keys: Iterable[LimitKey], *, max_wait: float = math.inf) -> Grant:
        """Book the earliest send allowed for all `keys`, unless that is more than `max_wait` away."""
        keys = list(dict.fromkeys(keys))
        now = self._clock()
        self._maybe_prune(now)
        at = self._earliest(keys, now)
        wait = at - now
        if wait > max_wait:
            return Grant(False, wait)
        for key in keys:
            if self._windows(key):
                self._log.setdefault(key, []).append(at)
        return Grant(True, wait, at)

    def settle(self, keys: Iterable[LimitKey], booked: float, actual: float | None = None) -> None:
        """The send booked at `booked` really goes out now (or at `actual`): a send that starts late
        (a busy event loop) is recorded when the platform will see it, so the next booking keeps
        its distance from the real send, not from the plan."""
        actual = max(booked, self._clock() if actual is None else actual)  # never earlier than booked
        for key in dict.fromkeys(keys):
            log = self._log.get(key)
            if not log:
                continue
            index = bisect.bisect_left(log, booked)
            if index < len(log) and log[index] == booked:
                del log[index]
                bisect.insort(log, actual)

    async def acquire(self, keys: Iterable[LimitKey], *, max_wait: float = math.inf) -> float:
        """Wait until a send is allowed and book it: returns 0.0. When that would take more than
        `max_wait` seconds, books nothing and returns the wait instead (skip this one for now)."""
        keys = list(keys)
        grant = self.reserve(keys, max_wait=max_wait)
        if not grant.ok:
            return grant.wait
        if grant.wait > 0:
            await self._sleep(grant.wait)
        self.settle(keys, grant.at)
        return 0.0

    def pause(self, key: LimitKey, seconds: float) -> None:
        """The platform said 429 for this key: nothing goes out on it for `seconds`."""
        until = self._clock() + max(0.0, seconds)
        self._paused[key] = max(self._paused.get(key, until), until)

    def backlog(self, key: LimitKey) -> float:
        """Seconds until the key's last booking (or the end of its pause): how booked up it is."""
        log = self._log.get(key)
        last = max(log[-1] if log else 0.0, self._paused.get(key, 0.0))
        return max(0.0, last - self._clock())

    def paused_for(self, key: LimitKey) -> float:
        """Seconds this key stays paused (0 when it is not)."""
        return max(0.0, self._paused.get(key, 0.0) - self._clock())

    def _windows(self, key: LimitKey) -> tuple[Window, ...]:
        return self._rules.get((key[0], key[1]), ())

    def _earliest(self, keys: list[LimitKey], now: float) -> float:
        at = max([now, *(self._paused.get(k, now) for k in keys)])
        for key in keys:
            log = self._log.get(key)
            if log:
                at = max(at, log[-1])  # FIFO per key
        changed = True
        while changed:
            changed = False
            for key in keys:
                log = self._log.get(key)
                if not log:
                    continue
                for window in self._windows(key):
                    if len(log) < window.limit:
                        continue
                    # Compare the very sum that is assigned: `log[-n] > at - period` can stay true
                    # after `at = log[-n] + period` by one ulp, and the loop would never end.
                    free_at = log[-window.limit] + window.period + self._margin
                    if free_at > at:
                        at = free_at
                        changed = True
        return at

    def _maybe_prune(self, now: float) -> None:
        self._calls += 1
        if self._calls % 256:
            return
        oldest = now - self._horizon
        for key in list(self._log):
            log = self._log[key]
            del log[: bisect.bisect_left(log, oldest)]
            if not log:
                del self._log[key]
        for key in [k for k, until in self._paused.items() if until < now]:
            del self._paused[key]
