"""`nudges`: what is due for me, across every task source, as the same card a nudge uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands.cards import Card, Text, Tone
from commands.features.nudges.cards import nudge_card
from commands.features.nudges.feature import NudgeFeature
from commands.features.nudges.items import SNOOZED, NudgeItem
from commands.features.nudges.ladder import due_day, overdue_business_days
from commands.features.nudges.people import is_assignee, profile_of
from commands.i18n import t
from commands.ports.erp import Employee
from commands.services import Services

MIN_LOOKAHEAD = 3  # business days shown ahead even with a shorter ladder


async def my_tasks_card(
    services: Services, feature: NudgeFeature, employee: Employee, locale: str, now: datetime
) -> Card:
    """Open tasks assigned to the employee that are overdue or due within the ladder's reach."""
    profile = await profile_of(feature, employee)
    calendar = feature.calendar
    today = now.astimezone(profile.tz).date()
    ahead = max(feature.config.ladder.max_before, MIN_LOOKAHEAD)
    until = datetime.combine(
        calendar.add_business_days(today, ahead) + timedelta(days=1), datetime.min.time(), profile.tz
    )
    snoozes = {
        (s.source, s.task_id): s
        for s in await feature.repo.active(now)
        if s.employee_no == employee.employee_no
    }
    items: list[NudgeItem] = []
    for source in feature.sources:
        async for task in source.open_tasks(due_before=until):
            if task.due_at is None or not is_assignee(employee, task.assignee_emails):
                continue
            late = overdue_business_days(due_day(task.due_at, profile), today, calendar)
            item = NudgeItem.of(task, can_complete=source.supports_complete, late=late)
            snooze = snoozes.get(item.key)
            if snooze is not None and snooze.due_key == due_day(task.due_at, profile).isoformat():
                item = item.with_outcome(f"{SNOOZED}{snooze.until.isoformat()}")
            items.append(item)
    if not items:
        text = t(locale, "nudge.list.empty")
        return Card(summary=text, elements=(Text(text, tone=Tone.GOOD),))
    items.sort(key=lambda i: i.due_at)
    return nudge_card(
        items, locale=locale, tz=profile.timezone, now=now, max_tasks=feature.config.max_tasks_per_card,
        title_key="nudge.list.title",
    )  # fmt: skip
