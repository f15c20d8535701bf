"""Scheduler handlers of deadline nudges: `nudge_scan` (one job per task source, payload {"source": name})
and `nudge_roundup` (one job per channel roundup, payload {"roundup": id}). The scheduler runs each
(job, scheduled time) once across replicas; the nudge ledger keeps a step from being sent twice even when
scans overlap (a webhook, a manual run, a second scheduler)."""

from __future__ import annotations

from datetime import datetime

from commands.features.nudges import ROUNDUP_KIND, SCAN_KIND, NudgeFeature, NudgeScanner, RoundupRunner
from commands.ports.schedule import JobDefinition, TriggerType
from commands.services import Services
from jobs.outcome import Handler


def scan_job(source: str, interval_seconds: int, timezone: str) -> JobDefinition:
    """The default definition of a source's scan job (seeded with `ensure`, so an operator may change it)."""
    return JobDefinition(
        f"nudge-scan-{source}",
        SCAN_KIND,
        TriggerType.INTERVAL,
        {"seconds": interval_seconds},
        timezone=timezone,
        payload={"source": source},
    )


class NudgeJobs:
    def __init__(self, services: Services, feature: NudgeFeature, *, enabled: bool = True) -> None:
        self._feature = feature
        self._enabled = enabled
        self.scanner = NudgeScanner(services, feature)
        self.roundups = RoundupRunner(services, feature)

    def handlers(self) -> dict[str, Handler]:
        return {SCAN_KIND: self.scan, ROUNDUP_KIND: self.roundup}

    async def scan(self, definition: JobDefinition, scheduled_for: datetime) -> str | None:
        if not self._enabled:
            return "skipped: nudges are disabled (NUDGE_ENABLED=false)"
        source = self._feature.source(str(definition.payload.get("source", "")))
        report = await self.scanner.scan(source)
        return None if report.new_steps else f"skipped: nothing new ({report})"

    async def roundup(self, definition: JobDefinition, scheduled_for: datetime) -> str | None:
        if not self._enabled:
            return "skipped: nudges are disabled (NUDGE_ENABLED=false)"
        return await self.roundups.run(int(definition.payload.get("roundup", 0)), scheduled_for)
