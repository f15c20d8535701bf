"""Done and Snooze on a nudge card. Only an assignee of the task may press them: the server re-reads the
task from its source and compares its assignees with the caller's linked employee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger

from commands.cards import Card
from commands.context import ActionContext, ActionResult, require_employee
from commands.errors import Forbidden, NotFound, UserInputError
from commands.features.nudges.cards import SNOOZE_CHOICES, local_date_text, nudge_card, source_label
from commands.features.nudges.feature import NudgeFeature, feature_of
from commands.features.nudges.items import DONE, SNOOZED, NudgeItem
from commands.features.nudges.ladder import Profile, due_day
from commands.features.nudges.people import employee_of, is_assignee, profile_of
from commands.features.nudges.views import my_tasks_card
from commands.ports.erp import Employee
from commands.ports.nudges import Snooze
from commands.ports.tasks import Task, TaskSource


@dataclass(frozen=True)
class Clicked:
    feature: NudgeFeature
    source: TaskSource
    task: Task
    employee: Employee
    profile: Profile
    batch_key: str


async def _clicked(ctx: ActionContext) -> Clicked:
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    values = ctx.values
    source = feature.source(values.get("s", "")[:32])
    task = await source.get_task(values.get("p", "")[:128], values.get("t", "")[:128])
    if task is None:
        raise NotFound(values.get("t", ""), key="nudge.task_gone")
    assert ctx.services.erp is not None  # the registry checks `needs`
    employee = await employee_of(ctx.services.erp, employee_no)
    if not is_assignee(employee, task.assignee_emails):
        raise Forbidden(
            f"{employee_no} is not an assignee of {task.source}:{task.source_id}", key="nudge.not_assignee"
        )
    profile = await profile_of(feature, employee)
    return Clicked(feature, source, task, employee, profile, values.get("b", "")[:128])


async def done(ctx: ActionContext) -> ActionResult:
    """Mark the task done in its groupware, where the source can write back; else say where to close it."""
    clicked = await _clicked(ctx)
    task, source = clicked.task, clicked.source
    if task.status == "done":
        notice = ctx.t("nudge.already_done")
    elif source.supports_complete and await source.complete(task):
        notice = ctx.t("nudge.done_ok", title=task.title)
        logger.info(
            "nudge: {} completed {}:{} from chat", clicked.employee.employee_no, task.source, task.source_id
        )
    else:
        where = source_label(task.source, ctx.locale)
        return ActionResult(notice=ctx.t("nudge.close_there_link", source=where, url=task.url))
    card = await _refreshed(ctx, clicked, DONE)
    return ActionResult(update=card, notice=notice)


async def snooze(ctx: ActionContext) -> ActionResult:
    """Remind me again in an hour, tomorrow morning or on the next business day (in my timezone)."""
    choice = ctx.values.get("u", "")
    if choice not in SNOOZE_CHOICES:
        raise UserInputError(choice[:20], key="nudge.bad_snooze")
    clicked = await _clicked(ctx)
    if clicked.task.due_at is None:
        raise NotFound(clicked.task.source_id, key="nudge.task_gone")
    until = snooze_until(choice, ctx.services.clock.now(), clicked.profile, clicked.feature)
    due_key = due_day(clicked.task.due_at, clicked.profile).isoformat()
    await clicked.feature.repo.snooze(
        Snooze(clicked.task.source, clicked.task.source_id, clicked.employee.employee_no, due_key, until)
    )
    card = await _refreshed(ctx, clicked, f"{SNOOZED}{until.isoformat()}")
    when = local_date_text(until, clicked.profile.timezone, ctx.locale)
    return ActionResult(update=card, notice=ctx.t("nudge.snoozed_ok", until=when))


def snooze_until(choice: str, now: datetime, profile: Profile, feature: NudgeFeature) -> datetime:
    """1h: an hour from now; tomorrow: tomorrow at the morning time; nextbd: the next business day's
    morning. Quiet time after that still applies when the scan decides to send."""
    if choice == "1h":
        return now + timedelta(minutes=feature.config.snooze_minutes)
    today = now.astimezone(profile.tz).date()
    day = today + timedelta(days=1) if choice == "tomorrow" else feature.calendar.next_business_day(today)
    return datetime.combine(day, profile.morning, profile.tz)


async def _refreshed(ctx: ActionContext, clicked: Clicked, outcome: str) -> Card:
    """The clicked card again: the batch with this task's outcome, or (from `nudges`) my list."""
    now = ctx.services.clock.now()
    repo, task = clicked.feature.repo, clicked.task
    steps = await repo.batch(clicked.batch_key) if clicked.batch_key else []
    mine = [s for s in steps if s.recipient == f"emp:{clicked.employee.employee_no}"]
    if not mine:
        return await my_tasks_card(ctx.services, clicked.feature, clicked.employee, ctx.locale, now)
    await repo.set_outcome(clicked.batch_key, task.source, task.source_id, outcome)
    items = [
        NudgeItem.from_snapshot(
            s.snapshot, outcome if (s.source, s.task_id) == (task.source, task.source_id) else s.outcome
        )
        for s in mine
    ]
    limit = clicked.feature.config.max_tasks_per_card
    return nudge_card(
        items,
        locale=ctx.locale,
        tz=clicked.profile.timezone,
        now=now,
        batch_key=clicked.batch_key,
        max_tasks=limit,
    )
