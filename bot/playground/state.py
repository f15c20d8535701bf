"""The playground's state, shared by its routes: transcript hub, HTTP client, Slack round-trip tokens."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.playground.hub import Hub
from bot.playground.users import DemoUser, demo_users, find_user

if TYPE_CHECKING:
    from bot.bootstrap import Container
    from bot.settings import Settings

ContainerGetter = Callable[[web.Application], "Container"]
TOKEN_TTL = 30 * 60.0  # Slack's response_url and trigger_id live at most this long
MAX_TOKENS = 2000


@dataclass(frozen=True)
class SlackOrigin:
    """What a response_url / trigger_id stands for: who, where, and the message clicked (if any)."""

    user: str
    channel: str
    message_ts: str = ""
    ephemeral: bool = False


class Tokens:
    """Random, expiring tokens -> SlackOrigin (response_url paths, trigger ids, view ids)."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._items: OrderedDict[str, tuple[float, SlackOrigin, Any]] = OrderedDict()

    def issue(self, origin: SlackOrigin, extra: Any = None) -> str:
        token = self._prefix + secrets.token_urlsafe(18)
        self._items[token] = (time.monotonic(), origin, extra)
        while len(self._items) > MAX_TOKENS:
            self._items.popitem(last=False)
        return token

    def get(self, token: str) -> tuple[SlackOrigin, Any] | None:
        item = self._items.get(token)
        if item is None or time.monotonic() - item[0] > TOKEN_TTL:
            self._items.pop(token, None)
            return None
        return item[1], item[2]

    def drop(self, token: str) -> None:
        self._items.pop(token, None)


@dataclass
class Playground:
    app: web.Application
    settings: Settings
    container_getter: ContainerGetter
    hub: Hub = field(default_factory=Hub)
    response_urls: Tokens = field(default_factory=Tokens)
    triggers: Tokens = field(default_factory=lambda: Tokens("pg."))
    views: Tokens = field(default_factory=lambda: Tokens("V"))
    session: aiohttp.ClientSession | None = None

    def container(self) -> Container:
        return self.container_getter(self.app)

    async def users(self) -> list[DemoUser]:
        return await demo_users(self.container())

    async def user(self, key: str) -> DemoUser | None:
        return find_user(await self.users(), key)

    def http(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            raise web.HTTPServiceUnavailable(reason="playground is shutting down")
        return self.session


PLAYGROUND = web.AppKey("playground", Playground)


def own_base(request: web.Request) -> str:
    """http://addr:port of the socket this request came in on: how the process reaches itself.

    Taken from the connection, not the Host header, so a forged Host cannot send the playground's
    server-side calls anywhere else.
    """
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        raise web.HTTPInternalServerError(reason="cannot tell the server's own address")
    host, port = str(sockname[0]), int(sockname[1])
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"
