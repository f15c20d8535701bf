"""What the nudge feature runs on, built by the composition root and kept in `Services.extras["nudges"]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from commands.businessdays import KoreanCalendar
from commands.errors import ConfigurationError, NotFound
from commands.features.nudges.ladder import DEFAULT_LADDER, Ladder, Profile, parse_ladder
from commands.ports.nudges import NudgeRepository
from commands.ports.schedule import JobRepository
from commands.ports.tasks import TaskSource
from commands.services import Services

EXTRA_KEY = "nudges"
SCAN_KIND = "nudge_scan"
ROUNDUP_KIND = "nudge_roundup"


class EscalateTo(StrEnum):
    MANAGER = "manager"  # up the org chart: level 1 the manager, level 2 the manager's manager…
    CHANNEL = "channel"  # the team's escalation channel (else the configured one)
    BOTH = "both"


@dataclass(frozen=True)
class NudgeConfig:
    """Company-wide settings (NUDGE_* in bot/settings_nudges.py)."""

    ladder: Ladder = field(default_factory=lambda: parse_ladder(DEFAULT_LADDER))
    defaults: Profile = field(default_factory=Profile)
    # Level k escalates once the task is escalation_days[k-1] business days overdue.
    escalation_days: tuple[int, ...] = (3,)
    escalate_to: EscalateTo = EscalateTo.MANAGER
    escalation_target_id: int | None = None
    max_tasks_per_card: int = 10
    # A batch claimed this long ago whose card never reached the outbox is sent again (same key).
    recover_after_seconds: float = 120.0
    snooze_minutes: int = 60


@dataclass
class NudgeFeature:
    """`sources` are the groupware task sources plus, when enabled, ERP items waiting too long.
    `jobs` and `reload_jobs` (Scheduler.reload) are needed by the roundup command only."""

    repo: NudgeRepository
    sources: list[TaskSource]
    config: NudgeConfig = field(default_factory=NudgeConfig)
    calendar: KoreanCalendar = field(default_factory=KoreanCalendar)
    jobs: JobRepository | None = None
    reload_jobs: Callable[[], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        names = [source.name for source in self.sources]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"nudges: task sources with the same name: {names}")

    def source(self, name: str) -> TaskSource:
        for source in self.sources:
            if source.name == name:
                return source
        raise NotFound(f"no task source {name!r}", key="nudge.unknown_source")


def install(services: Services, feature: NudgeFeature) -> None:
    """Make the feature available to the nudge commands, actions and jobs."""
    services.extras[EXTRA_KEY] = feature


def feature_of(services: Services) -> NudgeFeature:
    feature = services.extras.get(EXTRA_KEY)
    if not isinstance(feature, NudgeFeature):
        raise ConfigurationError("the nudge feature is not configured (services.extras['nudges'])")
    return feature
