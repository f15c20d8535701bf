"""Groupware tasks (Dooray project posts, Microsoft Planner tasks) as one neutral port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

TaskStatus = Literal["open", "done"]


@dataclass(frozen=True)
class Task:
    """A task in some groupware, as the core sees it.

    `source` names the groupware ("dooray", "planner"); `source_id` is the task's id there and
    `project_id` the project/plan holding it. `due_at` and `updated_at` are timezone-aware.
    Assignees are given as emails where the source could resolve them, and always as the source's
    own member ids (`assignee_ids`). `ref` is a short human reference ("ERP-고도화/12") or "".
    """

    source: str
    source_id: str
    project_id: str
    project_name: str
    title: str
    url: str
    due_at: datetime | None
    status: TaskStatus = "open"
    assignee_emails: tuple[str, ...] = ()
    assignee_ids: tuple[str, ...] = ()
    updated_at: datetime | None = None
    ref: str = ""


@dataclass(frozen=True)
class DueDateChange:
    """A groupware told us that a task's due date changed (e.g. a Dooray `postDueDateChanged` hook).

    `due_at` is None when the due date was removed. `task_id` may be "" when the event only named
    the task by its number (`task_number`).
    """

    source: str
    project_id: str
    task_id: str
    title: str
    due_at: datetime | None
    project_name: str = ""
    task_number: int | None = None
    assignee_ids: tuple[str, ...] = ()
    changed_by_id: str = ""
    changed_by_email: str = ""
    occurred_at: datetime | None = None


class TaskSource(Protocol):
    """Reads (and where allowed, completes) tasks in one groupware."""

    @property
    def name(self) -> str:
        """The source's name, equal to `Task.source` of the tasks it yields."""
        ...

    @property
    def supports_complete(self) -> bool:
        """Whether `complete()` can write "done" back."""
        ...

    def open_tasks(self, *, due_before: datetime | None = None) -> AsyncIterator[Task]:
        """Every open task that has a due date, across all configured projects/plans, following
        pagination to the end. With `due_before` (aware), only tasks due strictly before it."""
        ...

    async def get_task(self, project_id: str, task_id: str) -> Task | None:
        """One task (open or done), or None when it does not exist."""
        ...

    async def complete(self, task: Task) -> bool:
        """Mark the task done in the groupware. False when the source cannot write back."""
        ...

    async def member_email(self, member_id: str) -> str | None:
        """The email of a source member id (Dooray member, Graph user), or None if unknown."""
        ...
