"""Bot Framework authentication that keeps the clients a turn needs instead of building them per turn.

`CloudAdapter.process_activity` asks the authentication for a ConnectorClient (replies, roster lookups)
and a UserTokenClient on every turn. Each one is a new msrest client, and msrest's `Configuration`
costs ~8-10 ms of CPU to build (its retry policy scans 999 status codes), plus a new HTTP session and
credentials object, so a reply never reuses a connection or a token. Here both are built once per key
and kept: connector clients per (app id, serviceUrl, audience), user token clients per app id, with
the SDK's own factories and settings (the same clients, only not rebuilt), until `aclose()` at
shutdown. The proactive sender (adapters/teams/sender.py) keeps its own clients, configured for its worker.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from loguru import logger

MAX_CLIENTS = 64  # serviceUrls are few (one per region); the bound keeps forged ones from piling up

_Key = tuple[str, str, str]


class _Kept:
    """A small LRU of clients."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: Any, item: Any) -> Any:
        """Keep `item` unless another turn kept one for `key` meanwhile; returns the kept one."""
        kept = self._items.setdefault(key, item)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)  # in-flight turns still hold it; it is collected after
        return kept

    def __len__(self) -> int:
        return len(self._items)

    def take_all(self) -> list[Any]:
        """Every kept item, forgotten here."""
        items = list(self._items.values())
        self._items.clear()
        return items


def app_id_of(claims_identity: ClaimsIdentity | None) -> str:
    """The bot's app id as the SDK derives it for its factories: the audience claim, else the appid claim."""
    if claims_identity is None:
        return ""
    value = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if value is None:
        value = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return str(value or "")


class _KeptConnectors(ConnectorFactory):
    """The request's connector factory, answering from the kept clients."""

    def __init__(self, inner: ConnectorFactory, app_id: str, kept: _Kept) -> None:
        self._inner = inner
        self._app_id = app_id
        self._kept = kept

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key: _Key = (self._app_id, service_url or "", audience or "")
        client = self._kept.get(key)
        if client is None:
            client = self._kept.put(key, await self._inner.create(service_url, audience))
        return client


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication whose turns reuse connector and user token clients."""

    def __init__(self, configuration: Any, *, max_clients: int = MAX_CLIENTS) -> None:
        super().__init__(configuration)
        self._connectors = _Kept(max_clients)
        self._token_clients = _Kept(max_clients)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            app_id = app_id_of(result.claims_identity)
            result.connector_factory = _KeptConnectors(result.connector_factory, app_id, self._connectors)
        return result

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = app_id_of(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = self._token_clients.put(key, await super().create_user_token_client(claims_identity))
        return client

    @property
    def kept(self) -> int:
        """How many connector and user token clients are kept."""
        return len(self._connectors) + len(self._token_clients)

    async def aclose(self) -> None:
        """Close the kept clients' HTTP sessions and forget them, at shutdown; closing twice is fine."""
        for client in self._connectors.take_all() + self._token_clients.take_all():
            await _close(client)


async def _close(client: Any) -> None:
    """Leave the msrest client's `async with` context: that closes its requests session, whose pooled
    sockets urllib3 2 closes once the dropped pools are collected. The SDK's user token client has no
    close of its own; its msrest TokenApiClient is its `_client`."""
    if not hasattr(client, "__aexit__"):
        client = getattr(client, "_client", None)
    if client is None or not hasattr(client, "__aexit__"):
        return
    try:
        await client.__aexit__(None, None, None)
    except Exception:  # shutting down: one client that fails to close must not keep the others open
        logger.opt(exception=True).warning("teams client did not close: {}", type(client).__name__)
