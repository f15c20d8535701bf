"""Deadline nudges: what was sent (once per task, assignee and ladder step, ever), snoozes, per-user
preferences, per-team defaults and channel roundups.

The ledger is what makes a nudge happen once: a step's `step_key` is unique, and whoever inserts it
first owns it (another replica, a rescan or a restart finds it taken). Rows claimed together form a
batch, delivered as one grouped card under a delivery key derived from the batch.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any, Protocol

from commands.invocation import Platform


class BatchState(StrEnum):
    CLAIMED = "claimed"  # the steps are ours; the card may not be in the outbox yet
    ENQUEUED = "enqueued"  # the card is in the outbox


@dataclass(frozen=True)
class SentStep:
    """One ladder step of one task for one assignee, as sent (or being sent).

    `step` is "b3", "b1", "d0", "o4" (business days before/after the due date), "z<epoch>" (a snooze ran
    out) or "e1", "e2" (escalation levels). `recipient` is who got it: "emp:<employee no>" or
    "target:<id>". `snapshot` holds what the card shows (title, project, url, due time…), so a batch can
    be re-rendered without the groupware. `outcome` records a click on that card: "done" or
    "snoozed:<ISO time>".
    """

    step_key: str
    batch_key: str
    source: str
    task_id: str
    employee_no: str
    step: str
    due_key: str
    recipient: str
    snapshot: dict[str, Any] = field(default_factory=dict)
    state: BatchState = BatchState.CLAIMED
    outcome: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Snooze:
    """The assignee asked to be reminded of a task again at `until` (for the due date `due_key`)."""

    source: str
    task_id: str
    employee_no: str
    due_key: str
    until: datetime
    created_at: datetime | None = None


@dataclass(frozen=True)
class Preferences:
    """Nudge preferences; a None field is not set here (the team default or the global one applies)."""

    enabled: bool | None = None
    morning: time | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_weekends: bool | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class TeamDefaults:
    """A department's defaults for its members, set by an admin in the team's channel; escalations of
    the department's overdue tasks go to `escalation_target_id` when set."""

    department_code: str
    prefs: Preferences = Preferences()
    escalation_target_id: int | None = None
    set_by: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Roundup:
    """A daily "due today / overdue" roundup of a department's tasks, posted into a conversation."""

    platform: Platform
    target_id: int
    department_code: str
    at: str  # HH:MM in `timezone`
    timezone: str = "Asia/Seoul"
    locale: str = "ko"
    created_by: str = ""
    active: bool = True
    id: int | None = None


def roundup_job_name(roundup_id: int) -> str:
    """The scheduler job of a roundup."""
    return f"nudge-roundup-{roundup_id}"


class NudgeLedger(Protocol):
    """Sent steps. `claim` is the only way a step is sent: it is what makes a nudge happen once."""

    async def sent_keys(self, step_keys: builtins.list[str]) -> set[str]:
        """Which of these step keys were claimed already (any number of keys; the store chunks them)."""
        ...

    async def claim(self, steps: builtins.list[SentStep]) -> builtins.list[SentStep]:
        """Insert the steps, skipping keys that exist; returns the ones inserted now (ours to send)."""
        ...

    async def mark_enqueued(self, batch_keys: builtins.list[str]) -> None:
        """These batches' cards are in the outbox."""
        ...

    async def unfinished(self, claimed_before: datetime) -> builtins.list[SentStep]:
        """Steps claimed before that moment whose card never reached the outbox (their process died)."""
        ...

    async def batch(self, batch_key: str) -> builtins.list[SentStep]:
        """The steps of one batch, in the order they were claimed."""
        ...

    async def set_outcome(self, batch_key: str, source: str, task_id: str, outcome: str) -> None:
        """Record a click (done / snoozed) on the batch's card for one task."""
        ...


class SnoozeRepository(Protocol):
    async def snooze(self, snooze: Snooze) -> None:
        """Set (or move) the snooze of (source, task, employee)."""
        ...

    async def active(self, since: datetime) -> builtins.list[Snooze]:
        """Snoozes running out at or after `since` (older ones have fired or no longer matter)."""
        ...


class PreferenceRepository(Protocol):
    async def user(self, employee_no: str) -> Preferences:
        """An employee's own preferences (all None when never set)."""
        ...

    async def users(self) -> dict[str, Preferences]:
        """Every employee who set something, by employee number."""
        ...

    async def save_user(self, employee_no: str, prefs: Preferences) -> Preferences:
        """Replace the employee's preferences."""
        ...

    async def team(self, department_code: str) -> TeamDefaults | None: ...

    async def teams(self) -> dict[str, TeamDefaults]:
        """Every department's defaults, by department code."""
        ...

    async def save_team(self, defaults: TeamDefaults) -> TeamDefaults:
        """Replace the department's defaults."""
        ...


class RoundupRepository(Protocol):
    async def add_roundup(self, roundup: Roundup) -> Roundup:
        """Store a new roundup; returns it with its id."""
        ...

    async def get_roundup(self, roundup_id: int) -> Roundup | None: ...

    async def roundups_for(self, target_id: int) -> builtins.list[Roundup]:
        """The active roundups of one conversation."""
        ...

    async def stop_roundup(self, roundup_id: int) -> bool:
        """Deactivate; False when it was not active."""
        ...


class NudgeRepository(NudgeLedger, SnoozeRepository, PreferenceRepository, RoundupRepository, Protocol):
    """Everything the nudge feature stores."""
