"""ERP approval items waiting too long, as a task source: the current approver is the assignee, the due
date is the item's own due date or, without one, N business days after it was drafted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time

from commands.businessdays import KoreanCalendar
from commands.errors import NotFound
from commands.ports.erp import ApprovalItem, ApprovalStatus, ErpPort, StepKind
from commands.ports.tasks import Task

DUE_TIME = time(18, 0)
_DECIDING = (StepKind.REVIEW, StepKind.APPROVE, StepKind.AGREE)
_OPEN = (ApprovalStatus.PENDING, ApprovalStatus.ON_HOLD)
PAGE = 100


class ErpApprovalSource:
    """Implements commands.ports.tasks.TaskSource over the ERP's approval items (read only: an item is
    closed by deciding it, not by "done")."""

    def __init__(self, erp: ErpPort, calendar: KoreanCalendar, *, wait_business_days: int = 3) -> None:
        self._erp = erp
        self._calendar = calendar
        self._wait = wait_business_days
        self._emails: dict[str, str | None] = {}

    @property
    def name(self) -> str:
        return "erp"

    @property
    def supports_complete(self) -> bool:
        return False

    async def open_tasks(self, *, due_before: datetime | None = None) -> AsyncIterator[Task]:
        cursor: str | None = None
        while True:
            page = await self._erp.list_approvals(status=ApprovalStatus.PENDING, limit=PAGE, cursor=cursor)
            for item in page.items:
                task = await self._task(item)
                if task.status == "open" and task.due_at and (due_before is None or task.due_at < due_before):
                    yield task
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    async def get_task(self, project_id: str, task_id: str) -> Task | None:
        try:
            return await self._task(await self._erp.get_approval(task_id))
        except NotFound:
            return None

    async def complete(self, task: Task) -> bool:
        return False

    async def member_email(self, member_id: str) -> str | None:
        if member_id not in self._emails:
            try:
                self._emails[member_id] = (await self._erp.get_employee(member_id)).email or None
            except NotFound:
                self._emails[member_id] = None
        return self._emails[member_id]

    def due_at(self, item: ApprovalItem) -> datetime:
        if item.due_date is not None:
            return self._calendar.at_local(item.due_date, DUE_TIME)
        drafted = self._calendar.local_date(item.created_at)
        return self._calendar.at_local(self._calendar.add_business_days(drafted, self._wait), DUE_TIME)

    async def _task(self, item: ApprovalItem) -> Task:
        step = item.current_step
        deciding = step is not None and step.kind in _DECIDING and item.status in _OPEN
        emails: tuple[str, ...] = ()
        ids: tuple[str, ...] = ()
        if deciding and step is not None:
            ids = (step.approver.employee_no,)
            email = await self.member_email(step.approver.employee_no)
            emails = (email,) if email else ()
        return Task(
            source=self.name,
            source_id=item.id,
            project_id=item.type,
            project_name="",
            title=item.title,
            url=item.web_url,
            due_at=self.due_at(item),
            status="open" if deciding else "done",
            assignee_emails=emails,
            assignee_ids=ids,
            updated_at=item.updated_at,
            ref=item.id,
        )
