"""`kpi`: the KPIs I may see; `kpi <kpi> [period] [department]`: one KPI's card. Also the card's period
buttons. Every request is scoped on the server from the caller's employee record."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.cards import Card, Reply
from commands.context import ActionContext, ActionResult, CommandContext, require_employee
from commands.errors import UserInputError
from commands.features.kpi.card import kpi_card, list_card
from commands.features.kpi.catalogue import KpiEntry
from commands.features.kpi.feature import KpiFeature, feature_of
from commands.features.kpi.org import OrgChart
from commands.features.kpi.periods import Period, month_of, take_period
from commands.features.kpi.scope import Grant, grant_for, resolve
from commands.i18n import t
from commands.ports.erp import Employee, ErpPort
from commands.services import Services

MAX_WORDS = 8


def local_today(services: Services) -> date:
    """Today in the deployment's timezone (the clock is UTC)."""
    return local_now(services).date()


def local_now(services: Services) -> datetime:
    return services.clock.now().astimezone(ZoneInfo(services.timezone))


def _erp(services: Services) -> ErpPort:
    assert services.erp is not None  # registered with needs=("erp",)
    return services.erp


def find_entry(feature: KpiFeature, words: list[str]) -> tuple[KpiEntry, list[str]]:
    """The KPI named by the first one or two words (`production output`); the words left over."""
    if len(words) >= 2:
        entry = feature.catalogue.find(" ".join(words[:2]))
        if entry is not None:
            return entry, words[2:]
    entry = feature.catalogue.find(words[0])
    if entry is None:
        known = ", ".join(e.names.ko for e in feature.catalogue)
        raise UserInputError(words[0], key="kpi.unknown", kpi=words[0][:40], known=known)
    return entry, words[1:]


def find_department(chart: OrgChart, words: list[str]) -> str | None:
    if not words:
        return None
    dept = chart.find("".join(words))
    if dept is None:
        raise UserInputError(" ".join(words), key="kpi.unknown_department", department=" ".join(words)[:40])
    return dept.code


async def kpi(ctx: CommandContext) -> Reply:
    """`kpi` lists what I may see; `kpi 매출 이번달 영업1팀`, `kpi sales 2026-10` show one KPI."""
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    employee = await _erp(ctx.services).get_employee(employee_no)
    chart = await feature.org.chart()
    words = ctx.args.split()[:MAX_WORDS]
    if not words:
        return Reply.of(_list(feature, employee, chart, ctx.locale))
    entry, rest = find_entry(feature, words)
    period, rest = take_period(rest, local_today(ctx.services))
    requested = find_department(chart, rest)
    return Reply.of(await _card(ctx.services, feature, employee, chart, entry, period, requested, ctx.locale))


async def show(ctx: ActionContext) -> ActionResult:
    """A period button (or a list entry) clicked: the card again, scoped anew for the clicker."""
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    entry = feature.catalogue.get(ctx.values.get("kpi", ""))
    if entry is None:
        return ActionResult(notice=ctx.t("error.unknown_action"))
    employee = await _erp(ctx.services).get_employee(employee_no)
    chart = await feature.org.chart()
    period, _ = take_period([ctx.values.get("period", "this-month")[:40]], local_today(ctx.services))
    department = ctx.values.get("department", "")[:64] or None
    if department is not None and chart.get(department) is None:
        return ActionResult(notice=ctx.t("error.unknown_action"))
    card = await _card(ctx.services, feature, employee, chart, entry, period, department, ctx.locale)
    return ActionResult(update=card)


async def _card(
    services: Services,
    feature: KpiFeature,
    employee: Employee,
    chart: OrgChart,
    entry: KpiEntry,
    period: Period | None,
    requested: str | None,
    locale: str,
) -> Card:
    name = entry.name(locale)
    department = resolve(entry, grant_for(entry, employee, chart), requested, chart, name)
    if period is None:
        today = local_today(services)
        period = month_of(today.year, today.month).capped(today)
    snap = await feature.snapshots.read(entry, period, department, chart)
    return kpi_card(snap, locale, services.timezone, chart.name(department) if department else None)


def _list(feature: KpiFeature, employee: Employee, chart: OrgChart, locale: str) -> Card:
    rows = []
    for entry in feature.catalogue:
        grant = grant_for(entry, employee, chart)
        if not grant.visible:
            continue
        if grant.everything:
            scope = t(locale, "kpi.scope.everything")
        else:
            names = sorted(
                {chart.name(c) for c in grant.departments if chart.get(c) and _top(c, grant, chart)}
            )
            parts = ([t(locale, "kpi.scope.company")] if grant.company else []) + names
            scope = " · ".join(parts)
        rows.append((entry, scope))
    return list_card(rows, locale)


def _top(code: str, grant: Grant, chart: OrgChart) -> bool:
    """Whether `code` is not below another granted department (list only the top of each subtree)."""
    dept = chart.get(code)
    return dept is None or dept.parent_code not in grant.departments
