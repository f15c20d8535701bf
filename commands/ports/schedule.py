"""Scheduled jobs as data: definitions stored in the database, and one run record per (job, scheduled time).

The run record's key (`run_key`) is unique: whichever process inserts it first owns that run, so a run
happens once even with several replicas or a restart in between.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Seoul"
CRON_FIELDS = frozenset({"year", "month", "day", "week", "day_of_week", "hour", "minute", "second"})
NAME_MAX = 128


class TriggerType(StrEnum):
    CRON = "cron"  # spec: CronTrigger fields, e.g. {"day_of_week": "mon-fri", "hour": "8", "minute": "30"}
    INTERVAL = "interval"  # spec: {"seconds": 60}
    DATE = "date"  # spec: {"run_at": "2026-09-23T08:30:00"} (naive = the definition's timezone)


class RunStatus(StrEnum):
    WORKING = "working"
    SUCCESS = "success"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class JobDefinition:
    """A job as stored: what to run (`kind` + `payload`), and when (`trigger` + `spec` in `timezone`).

    `business_days_only` skips (and records as skipped) runs that fall on a Korean non-business day,
    judged by the date of the scheduled time in `timezone`. The structure is checked here; whether the
    cron values make sense (hour 25?) is checked when the scheduler builds the trigger.
    """

    name: str
    kind: str
    trigger: TriggerType
    spec: dict[str, Any]
    timezone: str = DEFAULT_TIMEZONE
    business_days_only: bool = False
    payload: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > NAME_MAX or "@" in self.name:
            raise ValueError(f"job name must be 1..{NAME_MAX} characters without '@': {self.name!r}")
        if not self.kind:
            raise ValueError("job kind must not be empty")
        object.__setattr__(self, "trigger", TriggerType(self.trigger))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        _check_spec(self.trigger, self.spec)


def _check_spec(trigger: TriggerType, spec: dict[str, Any]) -> None:
    if trigger is TriggerType.CRON:
        unknown = set(spec) - CRON_FIELDS
        if not spec or unknown:
            raise ValueError(
                f"cron spec needs fields among {sorted(CRON_FIELDS)}; unknown: {sorted(unknown)}"
            )
    elif trigger is TriggerType.INTERVAL:
        seconds = spec.get("seconds")
        if set(spec) != {"seconds"} or not isinstance(seconds, int | float) or seconds <= 0:
            raise ValueError('interval spec must be {"seconds": <positive number>}')
    elif set(spec) != {"run_at"} or not isinstance(spec["run_at"], str):
        raise ValueError('date spec must be {"run_at": "<ISO 8601 datetime>"}')


@dataclass(frozen=True)
class JobRun:
    """One run of a job for one scheduled time. `error` holds the error text, or why it was skipped."""

    job_name: str
    scheduled_for: datetime
    run_key: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None = None
    error: str = ""
    replica_id: str = ""
    id: int | None = None


def run_key(job_name: str, scheduled_for: datetime) -> str:
    """The unique key of a run: `name@<scheduled time in UTC, ISO 8601>`."""
    if scheduled_for.tzinfo is None:
        raise ValueError("scheduled_for must be timezone-aware")
    return f"{job_name}@{scheduled_for.astimezone(UTC).isoformat()}"


class JobRepository(Protocol):
    """Stored job definitions, by unique name."""

    async def upsert(self, definition: JobDefinition) -> JobDefinition:
        """Insert or replace the definition named `definition.name`; returns it as stored."""
        ...

    async def ensure(self, definition: JobDefinition) -> JobDefinition:
        """Insert the definition unless one with its name exists; returns the stored one. For defaults
        seeded at start-up, which must not undo an operator's changes."""
        ...

    async def get(self, name: str) -> JobDefinition | None:
        """The definition with this name, or None."""
        ...

    async def list(self, *, enabled: bool | None = None) -> builtins.list[JobDefinition]:
        """Definitions by name, optionally only the enabled (or disabled) ones."""
        ...

    async def delete(self, name: str) -> bool:
        """Remove the definition; False if there was none. Its run history stays."""
        ...


class RunRepository(Protocol):
    """Run records. `try_start` is the only way a run begins: it is what makes a run happen once."""

    async def try_start(self, job_name: str, scheduled_for: datetime, replica_id: str) -> bool:
        """Insert a `working` run for (job, scheduled_for); False when that run already exists
        (another replica or an earlier process has it), in which case the caller must not run it."""
        ...

    async def finish(self, key: str, status: RunStatus, error: str = "") -> None:
        """Record how the run ended (success, error with its text, or skipped with the reason)."""
        ...

    async def get(self, key: str) -> JobRun | None:
        """The run with this run_key, or None."""
        ...

    async def last_runs(self, job_name: str, limit: int = 10) -> builtins.list[JobRun]:
        """The newest runs of a job (by scheduled time), newest first."""
        ...

    async def fail_stuck(self, started_before: datetime, reason: str) -> int:
        """Mark `working` runs started before `started_before` as errors (their process died);
        returns how many. They are not retried: whether their side effects happened is unknown."""
        ...
