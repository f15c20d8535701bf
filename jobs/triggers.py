"""APScheduler triggers from stored job definitions, and fire-time arithmetic without a running scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from commands.errors import ConfigurationError
from commands.ports.schedule import JobDefinition, TriggerType

# Interval triggers count from a fixed anchor (midnight in the job's timezone), not from each process's
# start: every replica then computes the same fire times, hence the same run keys.
INTERVAL_ANCHOR = datetime(2000, 1, 1)
_MAX_STEPS = 100_000


def build_trigger(definition: JobDefinition) -> Any:
    """The APScheduler trigger for a definition, in the definition's timezone. Raises
    ConfigurationError naming the job when the spec's values are invalid (e.g. hour "25")."""
    tz = ZoneInfo(definition.timezone)
    spec = definition.spec
    try:
        if definition.trigger is TriggerType.CRON:
            return CronTrigger(timezone=tz, **{k: str(v) for k, v in spec.items()})
        if definition.trigger is TriggerType.INTERVAL:
            anchor = INTERVAL_ANCHOR.replace(tzinfo=tz)
            return IntervalTrigger(seconds=float(spec["seconds"]), start_date=anchor, timezone=tz)
        run_at = datetime.fromisoformat(spec["run_at"])
        return DateTrigger(run_date=run_at if run_at.tzinfo else run_at.replace(tzinfo=tz), timezone=tz)
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigurationError(
            f"job {definition.name!r}: invalid {definition.trigger} spec: {exc}"
        ) from exc


def next_fire_time(definition: JobDefinition, now: datetime) -> datetime | None:
    """When the job fires next at or after `now` (None when it never will again)."""
    fire: datetime | None = build_trigger(definition).get_next_fire_time(None, now)
    return fire if fire is not None and fire >= now else None  # a date trigger returns its past date


def fire_times_between(definition: JobDefinition, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end], oldest first (bounded to a sane number of steps)."""
    trigger = build_trigger(definition)
    times: list[datetime] = []
    fire: datetime | None = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end and len(times) < _MAX_STEPS:
        if fire >= start:
            times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return times
