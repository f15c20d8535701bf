"""help, ping and whoami: the commands every deployment has."""

from __future__ import annotations

import asyncio
import functools

from commands.cards import Actions, Button, Card, Divider, Fact, Facts, Header, Reply, Style, Text, Tone
from commands.context import ActionContext, ActionResult, CommandContext
from commands.errors import ChatOpsError, UserInputError
from commands.i18n import t
from commands.registry import Registry
from commands.services import Services

BADGE_SECONDS = 0.5
EXAMPLE_ACTION = "help.example"
BACK_ACTION = "help.back"
HELP_CARDS_KEPT = 64  # help cards built for distinct (texts, badges); the badge text varies per user


def help_card(services: Services, locale: str, badges: tuple[str, ...] = ()) -> Card:
    # The card is a function of these texts only: equal texts give the same (immutable) card, built once.
    chrome, commands = services.registry.derived(
        ("help", locale), lambda: _help_texts(services.registry, locale)
    )
    return _help_card(chrome, tuple(badges), commands)


def _help_texts(registry: Registry, locale: str) -> tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]:
    chrome = tuple(
        t(locale, key) for key in ("help.title", "help.intro", "help.show_example", "help.summary")
    )
    commands = tuple(
        (c.name, t(locale, c.usage_key), t(locale, c.description_key))
        for c in registry.commands
        if not c.hidden
    )
    return chrome, commands


@functools.lru_cache(maxsize=HELP_CARDS_KEPT)
def _help_card(
    chrome: tuple[str, ...], badges: tuple[str, ...], commands: tuple[tuple[str, str, str], ...]
) -> Card:
    title, intro, show_example, summary = chrome
    elements: list[Header | Text | Facts | Divider | Actions] = [Header(title)]
    elements.extend(Text(badge, tone=Tone.WARNING) for badge in badges)
    elements.append(Text(intro))
    for name, usage, description in commands:
        elements.append(Divider())
        elements.append(Facts((Fact(usage, description),)))
        elements.append(Actions((Button(show_example, EXAMPLE_ACTION, {"command": name}),)))
    return Card(summary=summary, elements=tuple(elements))


async def help_command(ctx: CommandContext) -> Reply:
    """`help` lists every command; `help <command>` shows one command's usage and example."""
    if ctx.args:
        spec = ctx.services.registry.find_command(ctx.args.split()[0])
        if spec is None:
            raise UserInputError(ctx.args, reason=ctx.args[:40])
        return Reply.of(example_card(ctx.locale, spec.name, spec.example, ctx.t(spec.usage_key)))
    return Reply.of(help_card(ctx.services, ctx.locale, await _badges(ctx)))


async def _badges(ctx: CommandContext) -> tuple[str, ...]:
    found = []
    for provider in ctx.services.registry.badges:
        try:
            async with asyncio.timeout(BADGE_SECONDS):  # no extra task, unlike wait_for
                badge = await provider(ctx)
        except (ChatOpsError, TimeoutError):
            continue  # a badge is a nicety: a slow or absent ERP must not slow or break help
        if badge:
            found.append(badge)
    return tuple(found)


def example_card(locale: str, command: str, example: str, usage: str) -> Card:
    return Card(
        summary=t(locale, "help.example_title", command=command),
        elements=(
            Header(t(locale, "help.example_title", command=command)),
            Facts((Fact(t(locale, "usage.label"), usage),)),
            Text(t(locale, "help.example_body", example=example), markdown=True),
            Actions((Button(t(locale, "help.back"), BACK_ACTION, style=Style.PRIMARY),)),
        ),
    )


async def show_example(ctx: ActionContext) -> ActionResult:
    spec = ctx.services.registry.find_command(ctx.values.get("command", ""))
    if spec is None:
        return ActionResult(notice=ctx.t("error.unknown_action"))
    return ActionResult(update=example_card(ctx.locale, spec.name, spec.example, ctx.t(spec.usage_key)))


async def back_to_help(ctx: ActionContext) -> ActionResult:
    return ActionResult(update=help_card(ctx.services, ctx.locale))


async def ping(ctx: CommandContext) -> Reply:
    """Answers pong with the server time, to check the bot is alive."""
    return Reply(text=ctx.t("ping.pong", time=ctx.services.clock.now().isoformat(timespec="seconds")))


async def whoami(ctx: CommandContext) -> Reply:
    """Who the bot thinks the caller is: platform ids, locale, linked employee."""
    inv = ctx.invocation
    caller = inv.caller
    employee = await _employee_label(ctx)
    facts = (
        Fact(ctx.t("whoami.platform"), caller.platform.value),
        Fact(ctx.t("whoami.user_id"), caller.user_id),
        Fact(ctx.t("whoami.name"), caller.name or "-"),
        Fact(ctx.t("whoami.tenant"), caller.tenant_id or "-"),
        Fact(ctx.t("whoami.conversation"), inv.conversation.id),
        Fact(ctx.t("whoami.locale"), caller.locale),
        Fact(ctx.t("whoami.employee"), employee, Tone.DEFAULT if ctx.employee_no else Tone.WARNING),
    )
    card = Card(summary=ctx.t("whoami.title"), elements=(Header(ctx.t("whoami.title")), Facts(facts)))
    return Reply.of(card)


async def _employee_label(ctx: CommandContext) -> str:
    if not ctx.employee_no:
        return ctx.t("whoami.not_linked")
    if ctx.services.erp is None:
        return ctx.employee_no
    try:
        employee = await ctx.services.erp.get_employee(ctx.employee_no)
    except ChatOpsError:
        return ctx.employee_no
    return f"{employee.name} ({employee.employee_no}, {employee.department_name})"


def register(registry: Registry) -> None:
    registry.command("help", help_command, example="help", aliases=("도움말", "?"), slash=False)
    registry.command("ping", ping, example="ping")
    registry.command("whoami", whoami, example="whoami", aliases=("나",))
    registry.action(EXAMPLE_ACTION, show_example)
    registry.action(BACK_ACTION, back_to_help)
