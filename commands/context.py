"""What a handler receives and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commands.cards import Card, Reply, TextInput
from commands.errors import NotLinked
from commands.i18n import t
from commands.invocation import ActionInvocation, Invocation
from commands.services import Services


@dataclass(frozen=True)
class CommandContext:
    invocation: Invocation
    services: Services
    employee_no: str = ""

    @property
    def locale(self) -> str:
        return self.invocation.caller.locale

    @property
    def args(self) -> str:
        return self.invocation.args

    def t(self, key: str, **params: Any) -> str:
        return t(self.locale, key, **params)


@dataclass(frozen=True)
class ActionContext:
    invocation: ActionInvocation
    services: Services
    employee_no: str = ""

    @property
    def locale(self) -> str:
        return self.invocation.caller.locale

    @property
    def values(self) -> dict[str, str]:
        return self.invocation.values

    def t(self, key: str, **params: Any) -> str:
        return t(self.locale, key, **params)


@dataclass(frozen=True)
class ActionResult:
    """`update` replaces the clicked card (for the clicker on Teams, for everyone on Slack);
    `reply` posts a new message; `notice` is a short ephemeral note; `ask` means the click needs
    these inputs first (Slack opens a modal, then runs the same action again with them)."""

    update: Card | None = None
    reply: Reply | None = None
    notice: str = ""
    ask: tuple[TextInput, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def require_employee(ctx: CommandContext | ActionContext) -> str:
    """The caller's employee number; raises NotLinked (answered with how to link) when there is none."""
    if not ctx.employee_no:
        raise NotLinked("not linked")
    return ctx.employee_no
