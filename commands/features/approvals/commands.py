"""`approvals`, `approvals <id>` and `delegate`."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.cards import (
    Actions,
    Button,
    Card,
    Divider,
    Element,
    Fact,
    Facts,
    Header,
    Reply,
    Style,
    Text,
    Tone,
)
from commands.context import ActionContext, ActionResult, CommandContext, require_employee
from commands.errors import Forbidden, NotFound, UserInputError
from commands.features.approvals.card import SHOW, Viewer, approval_card, decided_line
from commands.features.approvals.labels import money, status_label, type_label
from commands.features.approvals.people import authority
from commands.ports.audit import AuditEvent, AuditRecord
from commands.ports.erp import ApprovalItem, Employee, ErpPort

PAGE_SIZE = 5
MORE = "approval.more"


def _erp(ctx: CommandContext | ActionContext) -> ErpPort:
    assert ctx.services.erp is not None
    return ctx.services.erp


async def approvals(ctx: CommandContext) -> Reply:
    """`approvals`: my pending items, newest first; `approvals <id>`: one item's card."""
    employee_no = require_employee(ctx)
    item_id = ctx.args.split(" ")[0][:64] if ctx.args.strip() else ""
    if item_id:
        return Reply.of(await _item_card(ctx, item_id, employee_no))
    return Reply.of(await _list_card(ctx, employee_no, None))


async def more(ctx: ActionContext) -> ActionResult:
    employee_no = require_employee(ctx)
    return ActionResult(update=await _list_card(ctx, employee_no, ctx.values.get("cursor") or None))


async def show(ctx: ActionContext) -> ActionResult:
    employee_no = require_employee(ctx)
    return ActionResult(reply=Reply.of(await _item_card(ctx, ctx.values.get("item", "")[:64], employee_no)))


async def _list_card(ctx: CommandContext | ActionContext, employee_no: str, cursor: str | None) -> Card:
    page = await _erp(ctx).pending_approvals(employee_no, limit=PAGE_SIZE, cursor=cursor)
    if not page.items and cursor is None:
        text = ctx.t("approval.list_empty")
        return Card(summary=text, elements=(Text(text, tone=Tone.GOOD),))
    title = ctx.t("approval.list_title", count=f"{len(page.items)}{'+' if page.next_cursor else ''}")
    elements: list[Element] = [Header(title)]
    for item in page.items:
        elements.append(Divider())
        elements.append(Text(f"[{type_label(ctx.locale, item.type)}] {item.title}"))
        elements.append(Facts(_list_facts(ctx, item)))
        elements.append(
            Actions((Button(ctx.t("approval.button.show"), SHOW, {"item": item.id}, Style.PRIMARY),))
        )
    if page.next_cursor:
        elements.append(Actions((Button(ctx.t("approval.button.more"), MORE, {"cursor": page.next_cursor}),)))
    return Card(summary=title, elements=tuple(elements))


def _list_facts(ctx: CommandContext | ActionContext, item: ApprovalItem) -> tuple[Fact, ...]:
    return (
        Fact(ctx.t("approval.field.id"), item.id),
        Fact(ctx.t("approval.field.requester"), f"{item.requester.name} ({item.requester.department_name})"),
        Fact(ctx.t("approval.field.amount"), money(ctx.locale, item.amount, item.currency)),
        Fact(ctx.t("approval.field.status"), status_label(ctx.locale, item.status)),
    )


async def _item_card(ctx: CommandContext | ActionContext, item_id: str, employee_no: str) -> Card:
    erp = _erp(ctx)
    try:
        item = await erp.get_approval(item_id)
    except NotFound:
        raise UserInputError(item_id, reason=ctx.t("approval.unknown_item", item=item_id)) from None
    today = datetime.now(ZoneInfo(ctx.services.timezone)).date()
    granted = await authority(erp, item, employee_no, today)
    participants = {item.requester.employee_no, *(s.approver.employee_no for s in item.steps)}
    participants |= {s.decided_by for s in item.steps if s.decided_by}
    if granted is None and employee_no not in participants:
        raise Forbidden(f"{employee_no} is not on the line of {item.id}")
    if granted is None:
        banner = decided_line(item, ctx.locale, ctx.services.timezone)
        return approval_card(item, ctx.locale, ctx.services.timezone, Viewer.STATUS, banner=banner)
    viewer = Viewer.ACTING if granted.on_behalf_of else Viewer.APPROVER
    acting_for = granted.step.approver.name if granted.on_behalf_of else ""
    caller = ctx.invocation.caller
    refresh = (caller.user_id,) if caller.platform.value == "teams" else ()
    return approval_card(
        item, ctx.locale, ctx.services.timezone, viewer, acting_for=acting_for, refresh_user_ids=refresh
    )


async def pending_badge(ctx: CommandContext) -> str:
    """'📥 결재 대기 3건' for the help card; empty when nothing waits or the ERP cannot say."""
    if not ctx.employee_no or ctx.services.erp is None:
        return ""
    page = await ctx.services.erp.pending_approvals(ctx.employee_no, limit=20)
    if not page.items:
        return ""
    key = "approval.badge_more" if page.next_cursor else "approval.badge"
    return ctx.t(key, count=len(page.items))


async def delegate(ctx: CommandContext) -> Reply:
    """`delegate <acting employee> <from> <to>`: set my absence with an acting approver (대결자)."""
    employee_no = require_employee(ctx)
    parts = ctx.args.split()
    if len(parts) != 3:
        raise UserInputError("delegate args", reason=ctx.t("delegate.bad_args"))
    who, start, end = parts[0][:200], _date(ctx, parts[1]), _date(ctx, parts[2])
    if start > end:
        raise UserInputError("delegate dates", reason=ctx.t("delegate.bad_dates"))
    erp = _erp(ctx)
    acting = await erp.find_employee_by_email(who) if "@" in who else await _by_number(erp, who)
    if acting is None:
        raise UserInputError(who, reason=ctx.t("link.no_such_employee", query=who))
    if acting.employee_no == employee_no:
        raise UserInputError("self", reason=ctx.t("delegate.self"))
    await erp.set_absence(employee_no, start, end, acting.employee_no)
    assert ctx.services.audit is not None
    caller = ctx.invocation.caller
    await ctx.services.audit.append(
        AuditRecord(
            event=AuditEvent.ABSENCE_SET,
            item_id="-",
            at=ctx.services.clock.now(),
            actor_employee_no=employee_no,
            platform=caller.platform.value,
            platform_user_id=caller.user_id,
            tenant_id=caller.tenant_id,
            on_behalf_of=acting.employee_no,
            detail={"start": start.isoformat(), "end": end.isoformat()},
        )
    )
    text = ctx.t(
        "delegate.done",
        name=acting.name,
        employee_no=acting.employee_no,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    return Reply.of(Card(summary=text, elements=(Text(text, tone=Tone.GOOD),)), ephemeral=True)


async def _by_number(erp: ErpPort, number: str) -> Employee | None:
    try:
        return await erp.get_employee(number)
    except NotFound:
        return None


def _date(ctx: CommandContext, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(text, reason=ctx.t("delegate.bad_dates")) from None
