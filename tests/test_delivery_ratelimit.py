"""The multi-window limiter on a fake clock: Teams' per-conversation windows, tenant caps, FIFO
bookings, max_wait, pauses after a 429, and independence of keys."""

from __future__ import annotations

import pytest

from jobs.ratelimit import (
    SLACK_CHANNEL,
    TEAMS_CONVERSATION,
    Grant,
    RateLimiter,
    Window,
    per_second,
    platform_rules,
    scaled,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


CONV = ("teams", "conversation", "a:1")
OTHER = ("teams", "conversation", "a:2")
TENANT = ("teams", "tenant", "t1")


def make(rules: dict | None = None, margin: float = 0.0) -> tuple[RateLimiter, FakeTime]:
    clock = FakeTime()
    rules = rules if rules is not None else {("teams", "conversation"): TEAMS_CONVERSATION}
    return RateLimiter(rules, clock=clock, sleep=clock.sleep, margin=margin), clock


def book(limiter: RateLimiter, count: int, *keys: tuple[str, str, str]) -> list[float]:
    return [limiter.reserve(keys or (CONV,)).wait for _ in range(count)]


def test_teams_conversation_burst_then_the_two_second_window() -> None:
    limiter, _ = make()
    waits = book(limiter, 10)
    # 7 in the first second; the 8th once the first second has passed; 9th and 10th once 8/2 s allows.
    assert waits == [0.0] * 7 + [1.0, 2.0, 2.0]


def test_sixty_per_thirty_seconds_holds_the_61st() -> None:
    limiter, _ = make()
    waits = book(limiter, 61)
    assert max(waits[:60]) < 30.0
    assert waits[60] == pytest.approx(30.0)


def test_bookings_are_never_closer_than_the_windows_allow() -> None:
    limiter, _ = make()
    times = sorted(1000.0 + w for w in book(limiter, 200))
    for window in TEAMS_CONVERSATION:
        for i in range(len(times) - window.limit):
            assert times[i + window.limit] - times[i] >= window.period - 1e-9


def test_keys_are_independent() -> None:
    limiter, _ = make()
    book(limiter, 7, CONV)
    assert limiter.reserve([CONV]).wait == 1.0
    assert limiter.reserve([OTHER]).wait == 0.0


def test_a_tenant_cap_is_shared_by_its_conversations() -> None:
    limiter, _ = make({**platform_rules(teams_tenant_rps=3, slack_workspace_rps=1)})
    waits = [limiter.reserve([("teams", "conversation", f"a:{i}"), TENANT]).wait for i in range(7)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]


def test_max_wait_books_nothing_and_says_how_long() -> None:
    limiter, clock = make()
    book(limiter, 7)
    grant = limiter.reserve([CONV], max_wait=0.5)
    assert not grant.ok and grant.wait == 1.0
    clock.now += 1.0
    assert limiter.reserve([CONV], max_wait=0.5) == Grant(True, 0.0, clock.now)


async def test_acquire_sleeps_until_allowed_or_declines() -> None:
    limiter, clock = make()
    for _ in range(7):
        assert await limiter.acquire([CONV]) == 0.0
    assert clock.slept == []
    assert await limiter.acquire([CONV], max_wait=0.1) == 1.0  # declined, nothing booked
    assert await limiter.acquire([CONV]) == 0.0
    assert clock.slept == [1.0]


def test_a_late_send_is_settled_at_its_real_time() -> None:
    limiter, clock = make({("slack", "conversation"): SLACK_CHANNEL})
    key = ("slack", "conversation", "C1")
    grants = [limiter.reserve([key]) for _ in range(3)]
    clock.now += 0.4  # the burst only got out 0.4 s late (a busy event loop)
    for grant in grants:
        limiter.settle([key], grant.at)
    # The 4th send keeps 3 s from the real sends, not from the plan (2.6 s from now).
    assert limiter.reserve([key]).wait == pytest.approx(3.0)
    limiter.settle([key], 12345.0)  # an unknown booking is ignored
    assert limiter.reserve([key]).wait == pytest.approx(3.0)


def test_pause_after_429_holds_the_key_only() -> None:
    limiter, clock = make()
    limiter.pause(CONV, 30)
    assert limiter.paused_for(CONV) == 30
    assert limiter.reserve([CONV]).wait == 30
    assert limiter.reserve([OTHER]).wait == 0
    clock.now += 31
    assert limiter.paused_for(CONV) == 0
    assert limiter.reserve([CONV]).wait == 0  # the booking made during the pause has passed


def test_unknown_scopes_are_unlimited_but_pausable() -> None:
    limiter, _ = make()
    free = ("slack", "conversation", "C1")
    assert book(limiter, 50, free) == [0.0] * 50
    limiter.pause(free, 2)
    assert limiter.reserve([free]).wait == 2


def test_margin_widens_every_window() -> None:
    limiter, _ = make({("slack", "conversation"): SLACK_CHANNEL}, margin=0.05)
    key = ("slack", "conversation", "C1")
    assert book(limiter, 4, key) == [0.0, 0.0, 0.0, pytest.approx(3.05)]


def test_per_second_and_scaling() -> None:
    assert per_second(0) == ()
    assert per_second(30.7) == (Window(30, 1.0),)
    assert scaled({("teams", "conversation"): (Window(7, 1.0),)}, 10) == {
        ("teams", "conversation"): (Window(7, 0.1),)
    }
    with pytest.raises(ValueError):
        Window(0, 1.0)


def test_a_booking_one_ulp_off_does_not_loop_forever() -> None:
    """Found by the delivery benchmark: with these send times `log[-3] > (log[-3] + 3.05) - 3.05`
    holds in floating point, and the old fixed-point loop spun on it forever."""
    clock = FakeTime()
    clock.now = 254.50946428
    limiter = RateLimiter({("slack", "conversation"): SLACK_CHANNEL}, clock=clock, margin=0.05)
    key = ("slack", "conversation", "C0069")
    for sent in (250.304654869, 250.997835311, 251.244126343, 253.355956877, 254.04798495, 254.29470351):
        limiter._log.setdefault(key, []).append(sent)
    grant = limiter.reserve([key], max_wait=3.4)
    assert grant.ok
    assert grant.at == pytest.approx(253.355956877 + 3.05)


def test_bookings_stay_apart_for_many_float_start_times() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        clock = FakeTime()
        clock.now = rng.uniform(1.0, 1e6)
        limiter = RateLimiter(
            platform_rules(teams_tenant_rps=30, slack_workspace_rps=50), clock=clock, margin=0.05
        )
        for _ in range(40):
            for key in (CONV, ("slack", "conversation", "C1"), ("slack", "tenant", "T1")):
                assert limiter.reserve([key]).ok
            clock.now += rng.uniform(0.0, 0.3)
