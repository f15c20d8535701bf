"""The explicit registry of commands and card actions.

Registration is explicit (`registry.command(...)`, `registry.action(...)`); a duplicate name or id
fails immediately, and `validate(services)` fails at start-up when a handler needs a service that
the composition root did not provide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from commands.errors import ConfigurationError

if TYPE_CHECKING:
    from commands.cards import Reply
    from commands.context import ActionContext, ActionResult, CommandContext

CommandHandler = Callable[["CommandContext"], Awaitable["Reply"]]
BadgeProvider = Callable[["CommandContext"], Awaitable[str]]
ActionHandler = Callable[["ActionContext"], Awaitable["ActionResult"]]

T = TypeVar("T")

_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class CommandSpec:
    """A command. `slash` asks for its own Slack slash command besides `/chatops <name>`."""

    name: str
    handler: CommandHandler
    example: str
    aliases: tuple[str, ...] = ()
    slash: bool = False
    needs: frozenset[str] = frozenset()
    hidden: bool = False
    # Teams scopes where the command makes sense: personal, team, groupChat.
    scopes: tuple[str, ...] = ("personal", "team", "groupChat")

    @property
    def description_key(self) -> str:
        return f"cmd.{self.name}.description"

    @property
    def usage_key(self) -> str:
        return f"cmd.{self.name}.usage"


@dataclass(frozen=True)
class ActionSpec:
    id: str
    handler: ActionHandler
    needs: frozenset[str] = frozenset()


@dataclass
class Registry:
    _commands: dict[str, CommandSpec] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)
    _actions: dict[str, ActionSpec] = field(default_factory=dict)
    badges: list[BadgeProvider] = field(default_factory=list)
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, remembered under `key` until the next registration: for values computed from the
        registered commands and the message catalogue alone, such as help texts per locale. Features
        register their messages when imported, before their commands, and never change them after."""
        try:
            value: T = self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
        return value

    def command(
        self,
        name: str,
        handler: CommandHandler,
        *,
        example: str,
        aliases: Iterable[str] = (),
        slash: bool = False,
        needs: Iterable[str] = (),
        hidden: bool = False,
        scopes: Iterable[str] = ("personal", "team", "groupChat"),
    ) -> CommandSpec:
        if not name or not set(name) <= _NAME_OK:
            raise ConfigurationError(f"bad command name {name!r}")
        spec = CommandSpec(
            name=name,
            handler=handler,
            example=example,
            aliases=tuple(a.lower() for a in aliases),
            slash=slash,
            needs=frozenset(needs),
            hidden=hidden,
            scopes=tuple(scopes),
        )
        for key in (name, *spec.aliases):
            if key in self._commands or key in self._aliases:
                raise ConfigurationError(f"duplicate command or alias {key!r}")
        self._commands[name] = spec
        for alias in spec.aliases:
            self._aliases[alias] = name
        self._derived.clear()
        return spec

    def action(self, action_id: str, handler: ActionHandler, *, needs: Iterable[str] = ()) -> ActionSpec:
        if not action_id or len(action_id) > 100:
            raise ConfigurationError(f"bad action id {action_id!r}")
        if action_id in self._actions:
            raise ConfigurationError(f"duplicate action {action_id!r}")
        spec = ActionSpec(id=action_id, handler=handler, needs=frozenset(needs))
        self._actions[action_id] = spec
        self._derived.clear()
        return spec

    def find_command(self, word: str) -> CommandSpec | None:
        key = word.lower()
        return self._commands.get(key) or self._commands.get(self._aliases.get(key, ""))

    def find_action(self, action_id: str) -> ActionSpec | None:
        return self._actions.get(action_id)

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self._commands.values())

    @property
    def actions(self) -> list[ActionSpec]:
        return list(self._actions.values())

    def validate(self, services: Any, messages: Any) -> None:
        """Fail at start-up on a missing dependency or a missing catalogue entry."""
        needs = [(c.name, c.needs) for c in self._commands.values()]
        needs += [(a.id, a.needs) for a in self._actions.values()]
        for name, wanted in needs:
            for need in sorted(wanted):
                if getattr(services, need, None) is None:
                    raise ConfigurationError(f"{name!r} needs service {need!r}, which is not configured")
        for cmd in self._commands.values():
            for key in (cmd.description_key, cmd.usage_key):
                if key not in messages:
                    raise ConfigurationError(f"command {cmd.name!r} has no message {key!r}")
