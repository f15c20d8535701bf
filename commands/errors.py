"""One error root. Everything the core raises on purpose derives from ChatOpsError; adapters map
foreign exceptions into these at the boundary (`raise UpstreamUnavailable(...) from exc`)."""

from __future__ import annotations

from typing import Any


class ChatOpsError(Exception):
    """Root of all deliberate errors. `key` names a catalogue message shown to the user."""

    key = "error.internal"

    def __init__(self, detail: str = "", *, key: str | None = None, **params: Any) -> None:
        super().__init__(detail or self.__class__.__name__)
        if key is not None:
            self.key = key
        self.params = params


class UserInputError(ChatOpsError):
    """The user's input cannot be understood; answered with usage help."""

    key = "error.bad_input"


class UnknownCommand(UserInputError):
    key = "error.unknown_command"


class NotFound(ChatOpsError):
    key = "error.not_found"


class Forbidden(ChatOpsError):
    """The server decided this user may not do this."""

    key = "error.forbidden"


class NotLinked(ChatOpsError):
    """The chat user is not linked to an employee yet."""

    key = "error.not_linked"


class Conflict(ChatOpsError):
    """The thing changed under the user (already decided, stale card, ...)."""

    key = "error.conflict"


class UpstreamUnavailable(ChatOpsError):
    """A backend (ERP, groupware, platform API) is down, slow or answered garbage."""

    key = "error.upstream"

    def __init__(self, service: str, detail: str = "", *, status: int | None = None, **params: Any) -> None:
        super().__init__(detail or f"{service} unavailable", service=service, **params)
        self.service = service
        self.status = status


class ConfigurationError(ChatOpsError):
    """Bad settings or registry wiring; stops start-up with one line."""

    key = "error.internal"
