"""How the client proves who it is to the ERP: an API key, or an OAuth2 client-credentials token
cached until shortly before it expires. Neither the key nor a token is ever logged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

import httpx
from loguru import logger

from adapters.erp import codec
from adapters.erp.errors import SERVICE
from commands.errors import UpstreamUnavailable


class OAuthSettings(NamedTuple):
    """Client-credentials settings; a plain 4-tuple works too."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str = ""


class Credentials(Protocol):
    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        """Headers that authenticate one request (may fetch a token through `client`)."""
        ...

    def invalidate(self) -> bool:
        """Forget any cached token (the ERP answered 401); True if there was one to forget."""
        ...


class NoCredentials:
    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        return {}

    def invalidate(self) -> bool:
        return False


class ApiKey:
    def __init__(self, key: str) -> None:
        self._key = key

    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        return {"X-API-Key": self._key}

    def invalidate(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ApiKey(***)"


class ClientCredentials:
    """OAuth2 client credentials (RFC 6749 §4.4); one token fetch at a time, shared by all requests."""

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        margin: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._margin = margin
        self._monotonic = monotonic
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self._current(client)}"}

    def invalidate(self) -> bool:
        had, self._token = self._token is not None, None
        return had

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self._settings.client_id!r})"

    async def _current(self, client: httpx.AsyncClient) -> str:
        async with self._lock:
            if self._token is None or self._monotonic() >= self._expires:
                self._token, lifetime = await self._fetch(client)
                self._expires = self._monotonic() + lifetime - self._margin
            return self._token

    async def _fetch(self, client: httpx.AsyncClient) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._settings.client_id,
            "client_secret": self._settings.client_secret,
        }
        if self._settings.scope:
            form["scope"] = self._settings.scope
        # Transport errors propagate as httpx errors, so the caller's retry loop can retry them.
        response = await client.post(self._settings.token_url, data=form)
        if response.status_code != 200:
            logger.error("ERP token endpoint answered {} for client {}", response.status_code, repr(self))
            raise UpstreamUnavailable(SERVICE, "token request refused", status=response.status_code)
        try:
            body = codec.Reader(response.json(), "token")
            token, lifetime = body.text("access_token"), body.integer("expires_in")
        except (ValueError, codec.MalformedResponse) as exc:
            raise UpstreamUnavailable(SERVICE, "malformed token response", status=200) from exc
        logger.debug("ERP token obtained, valid {} s", lifetime)
        return token, float(lifetime)
