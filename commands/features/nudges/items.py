"""A task as a nudge card shows it, and as the ledger keeps it (`snapshot`), so a sent card can be drawn
again after a click or a crash without asking the groupware."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from commands.ports.tasks import Task

DONE = "done"
SNOOZED = "snoozed:"


@dataclass(frozen=True)
class NudgeItem:
    source: str
    project_id: str
    task_id: str
    title: str
    project: str
    url: str
    due_at: datetime
    ref: str = ""
    can_complete: bool = True
    assignee: str = ""  # the assignee's name, on escalation and roundup cards
    late: int = 0  # business days overdue
    outcome: str = ""  # "done" or "snoozed:<ISO time>" once clicked

    @classmethod
    def of(cls, task: Task, *, can_complete: bool, assignee: str = "", late: int = 0) -> NudgeItem:
        assert task.due_at is not None  # only tasks with a due date are nudged
        return cls(
            source=task.source,
            project_id=task.project_id,
            task_id=task.source_id,
            title=task.title,
            project=task.project_name,
            url=task.url,
            due_at=task.due_at,
            ref=task.ref,
            can_complete=can_complete,
            assignee=assignee,
            late=late,
        )

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.task_id

    @property
    def snoozed_until(self) -> datetime | None:
        if not self.outcome.startswith(SNOOZED):
            return None
        try:
            return datetime.fromisoformat(self.outcome.removeprefix(SNOOZED))
        except ValueError:
            return None

    def with_outcome(self, outcome: str) -> NudgeItem:
        return replace(self, outcome=outcome)

    def snapshot(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "project_id": self.project_id,
            "task_id": self.task_id,
            "title": self.title[:300],
            "project": self.project[:120],
            "url": self.url[:1000],
            "due_at": self.due_at.isoformat(),
            "ref": self.ref[:60],
            "can_complete": self.can_complete,
            "assignee": self.assignee[:60],
            "late": self.late,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any], outcome: str = "") -> NudgeItem:
        return cls(
            source=str(data.get("source", "")),
            project_id=str(data.get("project_id", "")),
            task_id=str(data.get("task_id", "")),
            title=str(data.get("title", "")),
            project=str(data.get("project", "")),
            url=str(data.get("url", "")),
            due_at=datetime.fromisoformat(str(data["due_at"])),
            ref=str(data.get("ref", "")),
            can_complete=bool(data.get("can_complete", True)),
            assignee=str(data.get("assignee", "")),
            late=int(data.get("late", 0)),
            outcome=outcome,
        )


def unique(items: list[NudgeItem]) -> list[NudgeItem]:
    """One entry per task (a batch may hold two steps of one task), in first-seen order; a later outcome
    wins."""
    found: dict[tuple[str, str, str], NudgeItem] = {}
    for item in items:
        key = (item.source, item.task_id, item.assignee)
        if key not in found or item.outcome:
            found[key] = item
    return list(found.values())
