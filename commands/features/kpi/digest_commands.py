"""`digest subscribe | list | preview | unsubscribe | history` in a conversation.

In a channel or group chat only managers, executives and admins (decided from the caller's linked
employee) may subscribe or unsubscribe; anyone may subscribe their own 1:1 chat. A subscription runs
with its creator's KPI scope, which is checked when subscribing and again at every run.
"""

from __future__ import annotations

import shlex
from datetime import datetime

from commands.cards import Actions, Button, Card, Divider, Element, Fact, Facts, Header, Reply, Text, Tone
from commands.context import ActionContext, ActionResult, CommandContext, require_employee
from commands.errors import ConfigurationError, Forbidden, NotFound, UserInputError
from commands.features.kpi.commands import find_department, local_now
from commands.features.kpi.digest import DigestComposer
from commands.features.kpi.digest_views import history_card, schedule_text
from commands.features.kpi.feature import KpiFeature, feature_of
from commands.features.kpi.labels import local_time
from commands.features.kpi.schedule import job_definition, parse_schedule, schedule_start
from commands.features.kpi.scope import grant_for, resolve
from commands.i18n import t
from commands.invocation import ConversationKind
from commands.ports.erp import Employee
from commands.ports.kpi import DigestSubscription, job_name
from commands.ports.targets import Target
from commands.services import Services

MANAGE_ROLES = frozenset({"manager", "executive", "admin"})
MAX_PER_CONVERSATION = 10
PREVIEW, HISTORY = "digest.preview", "digest.history"
_SUBCOMMANDS = {
    "subscribe": "subscribe", "구독": "subscribe", "add": "subscribe",
    "list": "list", "목록": "list", "ls": "list",
    "preview": "preview", "미리보기": "preview",
    "unsubscribe": "unsubscribe", "해지": "unsubscribe", "구독해지": "unsubscribe", "remove": "unsubscribe",
    "history": "history", "이력": "history", "기록": "history",
}  # fmt: skip


def _ready(services: Services) -> KpiFeature:
    feature = feature_of(services)
    if not feature.digests_ready:
        raise ConfigurationError("digests are not configured (digest repository, jobs, runs, next_fire)")
    return feature


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


async def digest(ctx: CommandContext) -> Reply:
    """Manage this conversation's scheduled KPI digests."""
    words = _words(ctx.args)
    action = _SUBCOMMANDS.get(words[0].lower()) if words else None
    if action is None:
        raise UserInputError(ctx.args[:40], key="digest.bad_subcommand")
    employee_no = require_employee(ctx)
    feature = _ready(ctx.services)
    target = await _target(ctx)
    rest = words[1:]
    if action == "subscribe":
        return await _subscribe(ctx, feature, target, employee_no, rest)
    if action == "list":
        return Reply.of(await _list(ctx.services, feature, target, ctx.locale))
    if action == "unsubscribe":
        return await _unsubscribe(ctx, feature, target, employee_no, rest)
    if action == "history":
        sub = await _pick(feature, target, rest)
        return Reply.of(await history_card(ctx.services, feature, sub, ctx.locale))
    return await _preview(ctx, feature, target, employee_no, rest)


async def _target(ctx: CommandContext | ActionContext) -> Target:
    conv = ctx.invocation.conversation
    target = await ctx.services.targets.find(conv.platform, conv.tenant_id, conv.id)
    if target is None or target.id is None or not target.active:
        raise NotFound(conv.id, key="digest.no_target")
    return target


async def _manager(ctx: CommandContext, employee_no: str) -> Employee:
    """The caller, if they may manage this conversation's digests."""
    assert ctx.services.erp is not None
    employee = await ctx.services.erp.get_employee(employee_no)
    personal = ctx.invocation.conversation.kind is ConversationKind.PERSONAL
    if not personal and not MANAGE_ROLES & set(employee.roles):
        raise Forbidden(f"{employee_no} may not manage digests here", key="digest.need_role")
    return employee


async def _subscribe(
    ctx: CommandContext, feature: KpiFeature, target: Target, employee_no: str, words: list[str]
) -> Reply:
    employee = await _manager(ctx, employee_no)
    sub = await _parse_subscription(ctx, feature, target, employee, words)
    assert feature.digests is not None and feature.jobs is not None and feature.next_fire is not None
    if len(await feature.digests.for_target(target.id or 0)) >= MAX_PER_CONVERSATION:
        raise UserInputError("too many", key="digest.too_many", max=MAX_PER_CONVERSATION)
    draft = job_definition(sub, name="digest-new")
    try:
        upcoming = feature.next_fire(draft, ctx.services.clock.now())
    except ConfigurationError as exc:
        raise UserInputError(
            sub.cron, key="digest.bad_cron", cron=sub.cron[:60], reason=str(exc)[-80:]
        ) from exc
    stored = await feature.digests.add(sub)
    await feature.jobs.upsert(job_definition(stored))
    if feature.reload_jobs is not None:
        await feature.reload_jobs()
    card = _subscription_card(ctx.services, feature, stored, upcoming, ctx.locale, employee.name)
    return Reply.of(card)


async def _parse_subscription(
    ctx: CommandContext, feature: KpiFeature, target: Target, employee: Employee, words: list[str]
) -> DigestSubscription:
    start = schedule_start(words)
    if start < 0:
        raise UserInputError("no schedule", key="digest.no_schedule")
    schedule = parse_schedule(words[start:], ctx.services.timezone)
    chart = await feature.org.chart()
    metrics: list[str] = []
    leftover: list[str] = []
    for word in words[:start]:
        entry = feature.catalogue.find(word)
        if entry is None:
            leftover.append(word)
        elif entry.id not in metrics:
            metrics.append(entry.id)
    if not metrics:
        raise UserInputError("no metrics", key="digest.no_metrics")
    try:
        department = find_department(chart, leftover)
    except UserInputError:
        raise UserInputError(leftover[0], key="digest.unknown_word", word=" ".join(leftover)[:40]) from None
    for metric in metrics:
        entry = feature.catalogue.get(metric)
        assert entry is not None
        resolve(entry, grant_for(entry, employee, chart), department, chart, entry.name(ctx.locale))
    return DigestSubscription(
        platform=target.platform,
        target_id=target.id or 0,
        metrics=tuple(metrics),
        schedule=schedule.kind,
        at=schedule.at,
        weekdays=schedule.weekdays,
        cron=schedule.cron,
        timezone=schedule.timezone,
        business_days_only=schedule.business_days_only,
        skip_if_empty=schedule.skip_if_empty,
        department=department,
        locale=ctx.locale,
        created_by=employee.employee_no,
    )


def _facts(services: Services, feature: KpiFeature, sub: DigestSubscription, upcoming: datetime | None,
           locale: str) -> tuple[Fact, ...]:  # fmt: skip
    names = [e.name(locale) if (e := feature.catalogue.get(m)) else m for m in sub.metrics]
    next_text = local_time(upcoming, sub.timezone) if upcoming else t(locale, "digest.next.none")
    skip = t(locale, "digest.skip_empty.on" if sub.skip_if_empty else "digest.skip_empty.off")
    return (
        Fact(t(locale, "digest.field.metrics"), ", ".join(names)),
        Fact(t(locale, "digest.field.scope"), sub.department or t(locale, "kpi.scope.company")),
        Fact(t(locale, "digest.field.schedule"), schedule_text(sub, locale)),
        Fact(t(locale, "digest.field.timezone"), sub.timezone),
        Fact(t(locale, "digest.field.next"), next_text),
        Fact(t(locale, "digest.field.skip_empty"), skip),
    )


def _subscription_card(services: Services, feature: KpiFeature, sub: DigestSubscription,
                       upcoming: datetime | None, locale: str, by: str) -> Card:  # fmt: skip
    title = t(locale, "digest.subscribed", id=sub.id)
    facts = (
        *_facts(services, feature, sub, upcoming, locale),
        Fact(t(locale, "digest.field.created_by"), by),
    )
    return Card(summary=title, elements=(Header(title), Facts(facts), _buttons(sub, locale)))


def _buttons(sub: DigestSubscription, locale: str) -> Actions:
    values = {"id": str(sub.id)}
    return Actions((Button(t(locale, "digest.button.preview"), PREVIEW, values),
                    Button(t(locale, "digest.button.history"), HISTORY, values)))  # fmt: skip


async def _list(services: Services, feature: KpiFeature, target: Target, locale: str) -> Card:
    assert feature.digests is not None and feature.next_fire is not None
    subs = await feature.digests.for_target(target.id or 0)
    title = t(locale, "digest.list.title", count=len(subs))
    if not subs:
        text = t(locale, "digest.list.empty")
        return Card(summary=text, elements=(Header(title), Text(text, tone=Tone.SUBTLE)))
    now = services.clock.now()
    elements: list[Element] = [Header(title)]
    for sub in subs:
        upcoming = feature.next_fire(job_definition(sub), now)
        elements += [
            Divider(),
            Text(t(locale, "digest.list.item", id=sub.id, metrics=", ".join(sub.metrics))),
        ]
        elements += [Facts(_facts(services, feature, sub, upcoming, locale)[1:]), _buttons(sub, locale)]
    return Card(summary=title, elements=tuple(elements))


async def _pick(feature: KpiFeature, target: Target, words: list[str]) -> DigestSubscription:
    """The subscription named by id (#3 or 3) in this conversation, or its only one."""
    assert feature.digests is not None
    subs = await feature.digests.for_target(target.id or 0)
    if not words:
        if len(subs) == 1:
            return subs[0]
        raise UserInputError("no id", key="digest.need_id")
    raw = words[0].lstrip("#")
    found = next((s for s in subs if raw.isdigit() and s.id == int(raw)), None)
    if found is None:
        raise NotFound(raw, key="digest.not_found", id=raw[:12])
    return found


async def _unsubscribe(
    ctx: CommandContext, feature: KpiFeature, target: Target, employee_no: str, words: list[str]
) -> Reply:
    await _manager(ctx, employee_no)
    if not words:
        raise UserInputError("no id", key="digest.need_id")
    sub = await _pick(feature, target, words)
    assert feature.digests is not None and feature.jobs is not None and sub.id is not None
    await feature.digests.deactivate(sub.id, employee_no)
    await feature.jobs.delete(job_name(sub.id))
    if feature.reload_jobs is not None:
        await feature.reload_jobs()
    text = ctx.t("digest.unsubscribed", id=sub.id)
    return Reply.of(Card(summary=text, elements=(Text(text, tone=Tone.GOOD),)))


async def _preview(
    ctx: CommandContext, feature: KpiFeature, target: Target, employee_no: str, words: list[str]
) -> Reply:
    """`preview` (every digest here), `preview 3`, or `preview 매출 수주 [부서] daily 08:30` (not stored)."""
    assert feature.digests is not None
    composer = DigestComposer(ctx.services, feature)
    if words and not words[0].lstrip("#").isdigit():
        assert ctx.services.erp is not None
        employee = await ctx.services.erp.get_employee(employee_no)
        schedule = words if schedule_start(words) >= 0 else [*words, "daily", "08:30"]
        sub = await _parse_subscription(ctx, feature, target, employee, schedule)
        subs = [sub]
    elif words:
        subs = [await _pick(feature, target, words)]
    else:
        subs = (await feature.digests.for_target(target.id or 0))[:3]
        if not subs:
            return Reply.of(await _list(ctx.services, feature, target, ctx.locale))
    now = local_now(ctx.services)
    cards = [(await composer.compose(sub, now, preview=True)).card for sub in subs]
    return Reply(text=cards[0].summary, cards=tuple(cards))


async def preview_action(ctx: ActionContext) -> ActionResult:
    """The Preview button of a subscription card or list."""
    require_employee(ctx)
    feature = _ready(ctx.services)
    target = await _target(ctx)
    sub = await _pick(feature, target, [ctx.values.get("id", "")[:12]])
    card = (
        await DigestComposer(ctx.services, feature).compose(sub, local_now(ctx.services), preview=True)
    ).card
    return ActionResult(reply=Reply.of(card))


async def history_action(ctx: ActionContext) -> ActionResult:
    """The History button of a subscription card or list."""
    require_employee(ctx)
    feature = _ready(ctx.services)
    target = await _target(ctx)
    sub = await _pick(feature, target, [ctx.values.get("id", "")[:12]])
    return ActionResult(reply=Reply.of(await history_card(ctx.services, feature, sub, ctx.locale)))
