"""The one user-facing error boundary: run a command or an action, answer in the user's language."""

from __future__ import annotations

from loguru import logger

from commands.cards import Card, Divider, Fact, Facts, Header, Reply, Text, Tone
from commands.context import ActionContext, ActionResult, CommandContext
from commands.errors import ChatOpsError, UnknownCommand, UserInputError
from commands.i18n import t
from commands.invocation import ActionInvocation, Caller, Conversation, Invocation
from commands.linking import AutoLinker
from commands.parsing import split_command
from commands.ports.identity import ChatUser
from commands.registry import CommandSpec
from commands.services import Services


class Dispatcher:
    def __init__(self, services: Services, linker: AutoLinker | None = None) -> None:
        self._services = services
        self._registry = services.registry
        self._linker = linker

    async def _user(self, caller: Caller) -> ChatUser:
        user = await self._services.identities.remember(caller)
        return await self._linker.ensure(caller, user) if self._linker else user

    async def handle_text(
        self, caller: Caller, conversation: Conversation, text: str, request_id: str
    ) -> Reply:
        """A message or slash-command text: 'kpi 매출 이번달'. Empty text means help."""
        word, args = split_command(text)
        inv = Invocation(caller, conversation, word or "help", args, request_id)
        return await self.handle_command(inv)

    async def handle_command(self, inv: Invocation) -> Reply:
        locale = inv.caller.locale
        spec = self._registry.find_command(inv.name)
        with logger.contextualize(request_id=inv.request_id, command=inv.name):
            logger.debug("command {!r} from {}:{}", inv.name[:40], inv.caller.platform, inv.caller.user_id)
            try:
                if spec is None:
                    raise UnknownCommand(inv.name, command=inv.name[:40])
                user = await self._user(inv.caller)
                inv = Invocation(inv.caller, inv.conversation, spec.name, inv.args, inv.request_id)
                return await spec.handler(CommandContext(inv, self._services, user.employee_no))
            except UnknownCommand as exc:
                return self._usage(locale, None, t(locale, exc.key, **exc.params))
            except UserInputError as exc:
                return self._usage(locale, spec, t(locale, exc.key, **exc.params))
            except ChatOpsError as exc:
                logger.info("command refused: {} {}", type(exc).__name__, exc)
                return self._error(locale, exc, inv.request_id)
            except Exception:
                logger.exception("command failed")
                return self._error(locale, ChatOpsError(), inv.request_id)

    async def handle_action(self, inv: ActionInvocation) -> ActionResult:
        locale = inv.caller.locale
        spec = self._registry.find_action(inv.action)
        with logger.contextualize(request_id=inv.request_id, action=inv.action):
            logger.debug("action {!r} from {}:{}", inv.action[:40], inv.caller.platform, inv.caller.user_id)
            try:
                if spec is None:
                    return ActionResult(notice=t(locale, "error.unknown_action"))
                user = await self._user(inv.caller)
                return await spec.handler(ActionContext(inv, self._services, user.employee_no))
            except ChatOpsError as exc:
                logger.info("action refused: {} {}", type(exc).__name__, exc)
                return ActionResult(notice=self._message(locale, exc, inv.request_id))
            except Exception:
                logger.exception("action failed")
                return ActionResult(notice=self._message(locale, ChatOpsError(), inv.request_id))

    @staticmethod
    def _message(locale: str, exc: ChatOpsError, request_id: str) -> str:
        return t(locale, exc.key, request_id=request_id or "-", **exc.params)

    def _error(self, locale: str, exc: ChatOpsError, request_id: str) -> Reply:
        text = self._message(locale, exc, request_id)
        return Reply.of(Card(summary=text, elements=(Text(text, tone=Tone.ATTENTION),)))

    def _usage(self, locale: str, spec: CommandSpec | None, message: str) -> Reply:
        specs = [spec] if spec else [c for c in self._registry.commands if not c.hidden]
        facts = tuple(Fact(t(locale, c.usage_key), t(locale, c.description_key)) for c in specs)
        title = t(locale, "usage.title", command=spec.name) if spec else t(locale, "help.title")
        elements: tuple[Header | Text | Divider | Facts, ...] = (
            Header(title),
            Text(message, tone=Tone.WARNING),
            Divider(),
            Facts(facts),
        )
        if spec:
            elements = (*elements, Text(f"{t(locale, 'usage.example')}: {spec.example}", tone=Tone.SUBTLE))
        return Reply.of(Card(summary=message, elements=elements))
