"""An APScheduler executor that hands each due job's scheduled run times to our own coroutine.

APScheduler 3 does not tell a job function when it was scheduled to run (agronholm/apscheduler#297; the
`job.next_run_time` workaround already points at the *next* run by then). The executor, however, receives
the exact `run_times` from the scheduler (after coalescing), so that is where we take them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor

OnDue = Callable[[str, list[datetime]], Coroutine[Any, Any, None]]
Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class RunTimesExecutor(BaseExecutor):  # type: ignore[misc]  # APScheduler ships no type hints
    """Runs `on_due(job_id, run_times)` as a task made by `spawn` (which tracks it for shutdown).

    Keeps APScheduler's per-job instance count, so `max_instances` still applies. APScheduler's job
    events (executed/error/missed) are not emitted: the run records in the database replace them."""

    def __init__(self, on_due: OnDue, spawn: Spawn) -> None:
        super().__init__()
        self._on_due = on_due
        self._spawn = spawn

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        job_id: str = job.id
        task = self._spawn(self._on_due(job_id, list(run_times)))

        def done(finished: asyncio.Task[None]) -> None:
            if finished.cancelled() or finished.exception() is None:
                self._run_job_success(job_id, [])
            else:
                error = finished.exception()
                self._run_job_error(job_id, error, error.__traceback__ if error else None)

        task.add_done_callback(done)
