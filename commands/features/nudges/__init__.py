"""Deadline nudges: reminders for due tasks on a business-day ladder, grouped per person, with Done and
Snooze, quiet hours, escalation to managers or a team channel, and an optional daily channel roundup.

The composition root builds a `NudgeFeature` (repository, sources, config, calendar, and for roundups the
job repository) and `install`s it into `Services.extras`; it registers the scheduler kinds
`nudge_scan` (one job per source) and `nudge_roundup` (jobs/nudges.py).
"""

from __future__ import annotations

from commands.features.nudges import actions
from commands.features.nudges.cards import DONE_ACTION, SNOOZE_ACTION
from commands.features.nudges.commands import nudges
from commands.features.nudges.erp_source import ErpApprovalSource
from commands.features.nudges.feature import (
    ROUNDUP_KIND,
    SCAN_KIND,
    EscalateTo,
    NudgeConfig,
    NudgeFeature,
    feature_of,
    install,
)
from commands.features.nudges.roundup import RoundupRunner
from commands.features.nudges.scan import NudgeScanner
from commands.registry import Registry

NEEDS = ("erp", "outbox")

__all__ = [
    "ROUNDUP_KIND",
    "SCAN_KIND",
    "ErpApprovalSource",
    "EscalateTo",
    "NudgeConfig",
    "NudgeFeature",
    "NudgeScanner",
    "RoundupRunner",
    "feature_of",
    "install",
    "register",
]


def register(registry: Registry) -> None:
    registry.command(
        "nudges", nudges, example="nudges settings quiet 20:00-07:30", aliases=("마감", "nudge"),
        needs=NEEDS,
    )  # fmt: skip
    registry.action(DONE_ACTION, actions.done, needs=NEEDS)
    registry.action(SNOOZE_ACTION, actions.snooze, needs=NEEDS)
