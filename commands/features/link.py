"""link, unlink: tie a chat account to one employee of the ERP, confirmed by the user."""

from __future__ import annotations

from commands.cards import Actions, Button, Card, Fact, Facts, Header, Reply, Style, Text, Tone
from commands.context import ActionContext, ActionResult, CommandContext
from commands.errors import Conflict, NotFound, UserInputError
from commands.ports.erp import Employee, ErpPort
from commands.registry import Registry

CONFIRM_ACTION = "link.confirm"
CANCEL_ACTION = "link.cancel"


def _erp(services_erp: ErpPort | None) -> ErpPort:
    assert services_erp is not None  # guaranteed by needs=("erp",) at start-up
    return services_erp


async def _find(erp: ErpPort, query: str) -> Employee | None:
    if "@" in query:
        return await erp.find_employee_by_email(query)
    try:
        return await erp.get_employee(query)
    except NotFound:
        return None


def _employee_facts(ctx: CommandContext | ActionContext, employee: Employee) -> Facts:
    return Facts(
        (
            Fact(ctx.t("link.field.name"), employee.name),
            Fact(ctx.t("link.field.employee_no"), employee.employee_no),
            Fact(ctx.t("link.field.department"), employee.department_name),
            Fact(ctx.t("link.field.email"), employee.email),
        )
    )


async def link(ctx: CommandContext) -> Reply:
    """`link <email or employee no>`: find the employee and ask the user to confirm."""
    query = ctx.args.strip().split(" ")[0][:200] if ctx.args.strip() else ""
    if not query:
        raise UserInputError("no argument", reason=ctx.t("link.missing_argument"))
    if ctx.employee_no:
        return Reply(text=ctx.t("link.already", employee_no=ctx.employee_no), ephemeral=True)
    employee = await _find(_erp(ctx.services.erp), query)
    if employee is None:
        raise UserInputError("no employee", reason=ctx.t("link.no_such_employee", query=query))
    caller = ctx.invocation.caller
    values = {"employee_no": employee.employee_no, "user": caller.user_id}
    card = Card(
        summary=ctx.t("link.confirm_title"),
        elements=(
            Header(ctx.t("link.confirm_title")),
            _employee_facts(ctx, employee),
            Actions(
                (
                    Button(ctx.t("link.confirm"), CONFIRM_ACTION, values, Style.PRIMARY),
                    Button(ctx.t("link.cancel"), CANCEL_ACTION, {"user": caller.user_id}),
                )
            ),
        ),
    )
    return Reply.of(card, ephemeral=True)


async def confirm(ctx: ActionContext) -> ActionResult:
    """The user confirmed: re-read the employee on the server and link if the platform email agrees."""
    caller = ctx.invocation.caller
    if ctx.values.get("user") != caller.user_id:
        return ActionResult(notice=ctx.t("link.not_yours"))
    employee = await _find(_erp(ctx.services.erp), ctx.values.get("employee_no", "")[:64])
    if employee is None:
        return ActionResult(notice=ctx.t("link.no_such_employee", query=ctx.values.get("employee_no", "")))
    stored = await ctx.services.identities.get(caller.platform, caller.tenant_id, caller.user_id)
    chat_email = (caller.email or (stored.email if stored else "")).strip().lower()
    if ctx.services.link_requires_email_match and chat_email != employee.email.strip().lower():
        text = ctx.t("link.email_mismatch", chat_email=chat_email or ctx.t("link.unknown_email"))
        return ActionResult(update=_text_card(text, Tone.ATTENTION))
    try:
        await ctx.services.identities.link(
            caller.platform, caller.tenant_id, caller.user_id, employee.employee_no, "manual"
        )
    except Conflict:
        return ActionResult(update=_text_card(ctx.t("link.taken"), Tone.ATTENTION))
    done = ctx.t(
        "link.done", name=employee.name, employee_no=employee.employee_no, department=employee.department_name
    )
    return ActionResult(update=_text_card(done, Tone.GOOD))


async def cancel(ctx: ActionContext) -> ActionResult:
    return ActionResult(update=_text_card(ctx.t("link.cancelled"), Tone.DEFAULT))


async def unlink(ctx: CommandContext) -> Reply:
    """`unlink`: forget the link between this chat account and its employee."""
    caller = ctx.invocation.caller
    removed = await ctx.services.identities.unlink(caller.platform, caller.tenant_id, caller.user_id)
    return Reply(text=ctx.t("link.unlinked" if removed else "link.not_linked"), ephemeral=True)


def _text_card(text: str, tone: Tone) -> Card:
    return Card(summary=text, elements=(Text(text, tone=tone),))


def register(registry: Registry) -> None:
    registry.command(
        "link", link, example="link minjun.kim@hanbit.example", aliases=("연결",), needs=("erp",)
    )
    registry.command("unlink", unlink, example="unlink", aliases=("연결해제",))
    registry.action(CONFIRM_ACTION, confirm, needs=("erp",))
    registry.action(CANCEL_ACTION, cancel)
