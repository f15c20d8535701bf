"""The scan: stream a source's open tasks, decide for every assignee which ladder step (and escalation
level) has come, and hand the new ones to the dispatcher, which claims them in the ledger and enqueues one
grouped card per person.

Cost per scan is O(tasks): every task is looked at once in memory; the ERP is asked once (every
employee), the ledger once per 500 candidate steps, the identity store once per person who gets a card.
Ladder arithmetic is cached per (due date, profile), of which there are few whatever the task count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from commands.errors import ConfigurationError
from commands.features.nudges.dispatch import Candidate, Dispatcher, ScanReport
from commands.features.nudges.escalation import EMPLOYEE, recipients
from commands.features.nudges.feature import NudgeFeature
from commands.features.nudges.items import NudgeItem
from commands.features.nudges.ladder import (
    Planned,
    Profile,
    current_step,
    due_day,
    escalation_level,
    is_quiet,
    next_allowed,
    overdue_business_days,
)
from commands.features.nudges.people import Directory
from commands.ports.erp import Employee, ErpPort
from commands.ports.nudges import Snooze
from commands.ports.tasks import Task, TaskSource
from commands.services import Services

SNOOZE_LOOKBACK = timedelta(days=7)  # a snooze that ran out while the bot was down still fires


class NudgeScanner:
    def __init__(self, services: Services, feature: NudgeFeature) -> None:
        if services.erp is None or services.outbox is None:
            raise ConfigurationError("nudges need the ERP and the outbox")
        self._services = services
        self._erp: ErpPort = services.erp
        self._feature = feature

    async def scan(self, source: TaskSource) -> ScanReport:
        """One scan of one source (the scheduled job)."""
        now = self._services.clock.now()
        await self.recover(now)
        return await self._run(source, source.open_tasks(due_before=self.horizon(now)), now)

    async def scan_tasks(self, source: TaskSource, tasks: Iterable[Task]) -> ScanReport:
        """Evaluate a few tasks at once (a due-date webhook); the same rules as a scan."""

        async def stream() -> AsyncIterator[Task]:
            for task in tasks:
                yield task

        return await self._run(source, stream(), self._services.clock.now())

    async def recover(self, now: datetime) -> int:
        """Send again (same delivery keys) the batches claimed by a process that died before enqueueing."""
        cutoff = now - timedelta(seconds=self._feature.config.recover_after_seconds)
        steps = await self._feature.repo.unfinished(cutoff)
        if not steps:
            return 0
        directory = await Directory.load(self._erp, self._feature, self._services.identities)
        return await Dispatcher(self._services, self._feature, directory, now).resend(steps)

    def horizon(self, now: datetime) -> datetime:
        """Tasks due before this can have a step that has come (two days of slack for time zones)."""
        calendar = self._feature.calendar
        today = calendar.local_date(now)
        last = calendar.add_business_days(today, self._feature.config.ladder.max_before) + timedelta(days=2)
        return calendar.at_local(last, datetime.min.time())

    async def _run(self, source: TaskSource, tasks: AsyncIterator[Task], now: datetime) -> ScanReport:
        directory = await Directory.load(self._erp, self._feature, self._services.identities)
        snoozes = await self._feature.repo.active(now - SNOOZE_LOOKBACK)
        planner = Planner(self._feature, directory, snoozes, now, can_complete=source.supports_complete)
        horizon = self.horizon(now)
        async for task in tasks:
            if task.status == "open" and task.due_at is not None and task.due_at < horizon:
                planner.plan(task)
        dispatcher = Dispatcher(self._services, self._feature, directory, now)
        report = await dispatcher.deliver(planner.candidates)
        report.tasks, report.unresolved = planner.tasks, planner.unresolved
        return report


@dataclass
class Planner:
    """Decides, per task and assignee, which steps have come. Pure apart from its caches."""

    feature: NudgeFeature
    directory: Directory
    snoozes: list[Snooze]
    now: datetime
    can_complete: bool = True
    candidates: list[Candidate] = field(default_factory=list)
    tasks: int = 0
    unresolved: int = 0

    def __post_init__(self) -> None:
        self._snoozed = {(s.source, s.task_id, s.employee_no): s for s in self.snoozes}
        self._steps: dict[tuple[date, Profile], Planned | None] = {}
        self._levels: dict[tuple[date, Profile], int] = {}
        self._today: dict[Profile, date] = {}
        self._quiet: dict[Profile, bool] = {}

    def plan(self, task: Task) -> None:
        assert task.due_at is not None
        self.tasks += 1
        for email in dict.fromkeys(e.lower() for e in task.assignee_emails):
            employee = self.directory.by_email(email)
            if employee is None:
                self.unresolved += 1
                continue
            self._plan_for(task, task.due_at, employee)

    def _plan_for(self, task: Task, due_at: datetime, employee: Employee) -> None:
        profile = self.directory.profile(employee)
        due_date = due_day(due_at, profile)
        late = overdue_business_days(due_date, self._local_today(profile), self.feature.calendar)
        item = NudgeItem.of(task, can_complete=self.can_complete, assignee=employee.name, late=late)
        recipient = f"{EMPLOYEE}{employee.employee_no}"
        if profile.enabled and not self._quiet_now(profile):
            for step in self._nudge_steps(task, employee, profile, due_date):
                self._add(item, employee, step, due_date, recipient)
        team = self.directory.team_profile(employee)
        team_due = due_day(due_at, team)
        level = self._level(team_due, team)
        if level and not self._quiet_now(team):
            escalated = NudgeItem.of(
                task, can_complete=False, assignee=employee.name,
                late=overdue_business_days(team_due, self._local_today(team), self.feature.calendar),
            )  # fmt: skip
            for number in range(1, level + 1):
                for step, to in recipients(employee, number, self.directory, self.feature.config):
                    self._add(escalated, employee, step, team_due, to, escalation=True)

    def _nudge_steps(self, task: Task, employee: Employee, profile: Profile, due_date: date) -> list[str]:
        snooze = self._snoozed.get((task.source, task.source_id, employee.employee_no))
        if snooze is not None and snooze.due_key == due_date.isoformat():
            if snooze.until > self.now:
                return []  # snoozed: nothing until it runs out
            if next_allowed(snooze.until, profile, self.feature.calendar) > self.now:
                return []  # ran out in quiet time: it waits, and so does the ladder
            steps = [f"z{int(snooze.until.timestamp())}"]
        else:
            steps = []
        planned = self._step(due_date, profile)
        if planned is not None:
            steps.append(planned.step)
        return steps

    def _add(
        self, item: NudgeItem, employee: Employee, step: str, due_date: date, recipient: str,
        *, escalation: bool = False,
    ) -> None:  # fmt: skip
        key = f"nudge:{item.source}:{item.task_id}:{employee.employee_no}:{step}:{due_date.isoformat()}"
        self.candidates.append(
            Candidate(key, employee.employee_no, step, due_date.isoformat(), recipient, item, escalation)
        )

    def _step(self, due_date: date, profile: Profile) -> Planned | None:
        key = (due_date, profile)
        if key not in self._steps:
            ladder, calendar = self.feature.config.ladder, self.feature.calendar
            self._steps[key] = current_step(due_date, self.now, ladder, profile, calendar)
        return self._steps[key]

    def _level(self, due_date: date, profile: Profile) -> int:
        key = (due_date, profile)
        if key not in self._levels:
            days = self.feature.config.escalation_days
            self._levels[key] = escalation_level(due_date, self.now, days, profile, self.feature.calendar)
        return self._levels[key]

    def _quiet_now(self, profile: Profile) -> bool:
        if profile not in self._quiet:
            self._quiet[profile] = is_quiet(self.now, profile, self.feature.calendar)
        return self._quiet[profile]

    def _local_today(self, profile: Profile) -> date:
        if profile not in self._today:
            self._today[profile] = self.now.astimezone(profile.tz).date()
        return self._today[profile]
