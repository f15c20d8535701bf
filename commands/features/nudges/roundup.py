"""Daily roundup (optional per channel): "due today / overdue" of a department's tasks, posted into a team
channel at a set time on business days.

`nudges roundup <department> 09:00` (admins and the department's head, in the channel) subscribes;
`nudges roundup` lists; `nudges roundup off <id>` stops. Each roundup is the scheduler job
`nudge-roundup-<id>` (kind nudge_roundup, business days only), so it runs once however many replicas.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.cards import Card, Divider, Element, Fact, Facts, Header, Reply, Text, Tone
from commands.context import CommandContext, require_employee
from commands.errors import ConfigurationError, NotFound, UserInputError
from commands.features.nudges.cards import local_date_text, relative_due
from commands.features.nudges.feature import ROUNDUP_KIND, NudgeFeature, feature_of
from commands.features.nudges.ladder import parse_clock
from commands.features.nudges.settings import OFF_WORDS, team_admin, this_channel
from commands.i18n import t
from commands.ports.nudges import Roundup, roundup_job_name
from commands.ports.outbox import OutboundMessage
from commands.ports.schedule import JobDefinition, TriggerType
from commands.ports.tasks import Task
from commands.services import Services

MAX_LISTED = 15


def roundup_job(roundup: Roundup) -> JobDefinition:
    assert roundup.id is not None
    hour, minute = roundup.at.split(":")
    return JobDefinition(
        roundup_job_name(roundup.id), ROUNDUP_KIND, TriggerType.CRON, {"hour": hour, "minute": minute},
        timezone=roundup.timezone, business_days_only=True, payload={"roundup": roundup.id},
    )  # fmt: skip


async def roundup_command(ctx: CommandContext, words: list[str]) -> Reply:
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    if feature.jobs is None:
        raise ConfigurationError("nudge roundups need the scheduler's job repository")
    target_id = await this_channel(ctx)
    if not words:
        return Reply.of(_list_card(ctx, await feature.repo.roundups_for(target_id)))
    if words[0].lower() in OFF_WORDS:
        return await _stop(ctx, feature, target_id, words[1:])
    if len(words) != 2:
        raise UserInputError("roundup", key="nudge.roundup.usage")
    department = words[0].upper()[:64]
    await team_admin(ctx, employee_no, department)
    try:
        at = parse_clock(words[1]).strftime("%H:%M")
    except ValueError:
        raise UserInputError(words[1], key="nudge.settings.bad_morning", value=words[1][:20]) from None
    conv = ctx.invocation.conversation
    stored = await feature.repo.add_roundup(
        Roundup(conv.platform, target_id, department, at, ctx.services.timezone, ctx.locale, employee_no)
    )
    await feature.jobs.upsert(roundup_job(stored))
    if feature.reload_jobs is not None:
        await feature.reload_jobs()
    text = ctx.t("nudge.roundup.added", id=stored.id, department=department, at=at)
    return Reply.of(Card(summary=text, elements=(Text(text, tone=Tone.GOOD),)))


async def _stop(ctx: CommandContext, feature: NudgeFeature, target_id: int, words: list[str]) -> Reply:
    current = await feature.repo.roundups_for(target_id)
    wanted = [r for r in current if not words or str(r.id) == words[0]]
    if not wanted:
        raise NotFound("roundup", key="nudge.roundup.none")
    employee_no = require_employee(ctx)
    for roundup in wanted:
        await team_admin(ctx, employee_no, roundup.department_code)
        assert roundup.id is not None and feature.jobs is not None
        await feature.repo.stop_roundup(roundup.id)
        await feature.jobs.delete(roundup_job_name(roundup.id))
    if feature.reload_jobs is not None:
        await feature.reload_jobs()
    text = ctx.t("nudge.roundup.stopped", count=len(wanted))
    return Reply.of(Card(summary=text, elements=(Text(text),)))


def _list_card(ctx: CommandContext, roundups: list[Roundup]) -> Card:
    if not roundups:
        text = ctx.t("nudge.roundup.none")
        return Card(summary=text, elements=(Text(text),))
    title = ctx.t("nudge.roundup.list_title")
    facts = tuple(Fact(f"#{r.id} {r.department_code}", f"{r.at} ({r.timezone})") for r in roundups)
    return Card(summary=title, elements=(Header(title), Facts(facts)))


class RoundupRunner:
    """The job: compose and enqueue one roundup for one date (key per roundup and date: once)."""

    def __init__(self, services: Services, feature: NudgeFeature) -> None:
        self._services = services
        self._feature = feature

    async def run(self, roundup_id: int, scheduled_for: datetime) -> str | None:
        roundup = await self._feature.repo.get_roundup(roundup_id)
        if roundup is None or not roundup.active:
            return "skipped: the roundup was stopped"
        target = await self._services.targets.get(roundup.target_id)
        if target is None or not target.active:
            return "skipped: the channel is gone"
        assert self._services.erp is not None and self._services.outbox is not None
        members = await self._services.erp.list_employees(department=roundup.department_code)
        names = {m.email.lower(): m.name for m in members if m.email}
        zone = ZoneInfo(roundup.timezone)
        today = scheduled_for.astimezone(zone).date()
        end_of_today = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone)
        found: list[tuple[Task, str]] = []
        for source in self._feature.sources:
            async for task in source.open_tasks(due_before=end_of_today):
                who = [names[e.lower()] for e in task.assignee_emails if e.lower() in names]
                if task.due_at is not None and who:
                    found.append((task, ", ".join(who)))
        card = roundup_card(found, roundup, self._services.clock.now(), scheduled_for)
        key = f"nudge-roundup:{roundup_id}:{today.isoformat()}"
        added = await self._services.outbox.enqueue(
            OutboundMessage.to_target(target, Reply.of(card), key=key, locale=roundup.locale)
        )
        return None if added else "skipped: already posted today"


def roundup_card(found: list[tuple[Task, str]], roundup: Roundup, now: datetime, when: datetime) -> Card:
    locale, tz = roundup.locale, roundup.timezone
    today = when.astimezone(ZoneInfo(tz)).date()
    overdue = sorted(
        (f for f in found if f[0].due_at and f[0].due_at.astimezone(ZoneInfo(tz)).date() < today), key=_due
    )
    due_today = sorted((f for f in found if f not in overdue), key=_due)
    title = t(locale, "nudge.roundup.title", department=roundup.department_code, today=today.isoformat())
    elements: list[Element] = [Header(title)]
    if not found:
        elements.append(Text(t(locale, "nudge.roundup.empty"), tone=Tone.GOOD))
    for key, group in (("nudge.roundup.today", due_today), ("nudge.roundup.overdue", overdue)):
        if not group:
            continue
        elements.append(Divider())
        elements.append(Text(t(locale, key, count=len(group)), size="large"))
        elements.append(Facts(tuple(_fact(task, who, now, tz, locale) for task, who in group[:MAX_LISTED])))
        if len(group) > MAX_LISTED:
            elements.append(
                Text(t(locale, "nudge.card.more", count=len(group) - MAX_LISTED), tone=Tone.SUBTLE)
            )
    return Card(summary=title, elements=tuple(elements))


def _fact(task: Task, who: str, now: datetime, tz: str, locale: str) -> Fact:
    assert task.due_at is not None
    relative, tone = relative_due(task.due_at, now, tz, locale)
    label = f"{task.ref} {task.title}".strip() if task.ref else task.title
    return Fact(f"{label[:150]} — {who}", f"{local_date_text(task.due_at, tz, locale)} · {relative}", tone)


def _due(found: tuple[Task, str]) -> datetime:
    assert found[0].due_at is not None
    return found[0].due_at
