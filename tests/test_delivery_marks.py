"""Group commit of sent marks (jobs/marks.py): marks that arrive during a commit share the next one,
a quiet worker commits at once, a failed commit is retried, and a mark only returns once committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from jobs.marks import SentMarks


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 21, tzinfo=UTC)


class RecordingOutbox:
    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[tuple[int, str]]] = []
        self.failures = failures
        self.gate = asyncio.Event()
        self.gate.set()

    async def mark_sent_many(self, sent: Sequence[tuple[int, str]], now: datetime) -> None:
        await self.gate.wait()
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise OSError("database away")
        self.batches.append(list(sent))


async def test_a_quiet_mark_commits_alone_and_at_once() -> None:
    outbox = RecordingOutbox()
    marks = SentMarks(outbox, Clock())  # type: ignore[arg-type]
    await marks.mark(1, "m1")
    assert outbox.batches == [[(1, "m1")]]


async def test_marks_arriving_during_a_commit_share_the_next_one() -> None:
    outbox = RecordingOutbox()
    outbox.gate.clear()
    marks = SentMarks(outbox, Clock())  # type: ignore[arg-type]
    first = asyncio.create_task(marks.mark(1, "m1"))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(marks.mark(i, f"m{i}")) for i in range(2, 12)]
    await asyncio.sleep(0)
    assert not first.done() and not any(t.done() for t in rest)  # nothing returns before its commit
    outbox.gate.set()
    await asyncio.gather(first, *rest)
    assert outbox.batches == [[(1, "m1")], [(i, f"m{i}") for i in range(2, 12)]]


async def test_a_failed_commit_is_retried_then_reported() -> None:
    outbox = RecordingOutbox(failures=2)
    marks = SentMarks(outbox, Clock(), retry_delay=0.0)  # type: ignore[arg-type]
    await marks.mark(7, "m7")
    assert outbox.batches == [[(7, "m7")]]

    broken = RecordingOutbox(failures=99)
    marks = SentMarks(broken, Clock(), attempts=3, retry_delay=0.0)  # type: ignore[arg-type]
    with pytest.raises(OSError):
        await marks.mark(8, "m8")
    assert broken.batches == [] and broken.failures == 96
