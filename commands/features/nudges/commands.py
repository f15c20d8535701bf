"""`nudges` (what is due for me), `nudges settings …`, `nudges team …`, `nudges roundup …`."""

from __future__ import annotations

import shlex

from commands.cards import Reply
from commands.context import CommandContext, require_employee
from commands.errors import UserInputError
from commands.features.nudges.feature import feature_of
from commands.features.nudges.people import employee_of
from commands.features.nudges.roundup import roundup_command
from commands.features.nudges.settings import team_settings, user_settings
from commands.features.nudges.views import my_tasks_card

_SUBCOMMANDS = {
    "settings": "settings", "설정": "settings", "config": "settings",
    "team": "team", "팀": "team",
    "roundup": "roundup", "요약": "roundup", "브리핑": "roundup",
    "list": "list", "목록": "list",
}  # fmt: skip


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


async def nudges(ctx: CommandContext) -> Reply:
    """Route `nudges [settings|team|roundup] …`; with no subcommand, my due tasks."""
    words = _words(ctx.args)
    action = _SUBCOMMANDS.get(words[0].lower(), "") if words else "list"
    if not action:
        raise UserInputError(words[0][:40], key="nudge.bad_subcommand", word=words[0][:40])
    rest = words[1:]
    if action == "settings":
        return await user_settings(ctx, rest)
    if action == "team":
        return await team_settings(ctx, rest)
    if action == "roundup":
        return await roundup_command(ctx, rest)
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    assert ctx.services.erp is not None
    employee = await employee_of(ctx.services.erp, employee_no)
    card = await my_tasks_card(ctx.services, feature, employee, ctx.locale, ctx.services.clock.now())
    return Reply.of(card)
