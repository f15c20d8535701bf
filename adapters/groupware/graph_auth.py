"""App-only Microsoft Graph tokens: msal client credentials, run in a thread, cached until expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from loguru import logger

from commands.errors import UpstreamUnavailable

TokenProvider = Callable[[], Awaitable[str]]
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
SERVICE = "Microsoft Graph"
_REFRESH_MARGIN = 300.0


class MsalTokenProvider:
    """Awaitable token source: `token = await provider()`.

    The msal application is built on first use (msal discovers the tenant over HTTP, so never at
    construction). A custom `authority_url` (a sovereign cloud, a local test authority) is taken as
    the operator's explicit choice: msal's instance discovery is turned off for it. `ca_bundle`
    makes msal trust a private CA (used by tests with a self-signed authority).
    """

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        authority_url: str = DEFAULT_AUTHORITY,
        scope: str = GRAPH_SCOPE,
        ca_bundle: str | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._authority = f"{authority_url.rstrip('/')}/{tenant_id}"
        self._custom_authority = urlparse(authority_url).hostname != urlparse(DEFAULT_AUTHORITY).hostname
        self._client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._verify: bool | str = ca_bundle or True
        self._timeout = timeout
        self._clock = clock
        self._app: Any = None
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self) -> str:
        async with self._lock:
            if self._token and self._clock() < self._expires_at - _REFRESH_MARGIN:
                return self._token
            try:
                result = await asyncio.to_thread(self._acquire)
            except UpstreamUnavailable:
                raise
            except Exception as exc:  # msal/requests raise many kinds; the token never appears in them
                raise UpstreamUnavailable(SERVICE, f"token request failed: {type(exc).__name__}") from exc
            token = result.get("access_token") if isinstance(result, dict) else None
            if not isinstance(token, str) or not token:
                error = result.get("error", "no access_token") if isinstance(result, dict) else "no result"
                raise UpstreamUnavailable(SERVICE, f"token request refused: {error}")
            expires_in = result.get("expires_in", 3600)
            self._token = token
            self._expires_at = self._clock() + (
                float(expires_in) if isinstance(expires_in, int | float) else 0
            )
            logger.debug("Microsoft Graph token acquired, valid {}s", expires_in)
            return token

    def invalidate(self) -> None:
        """Forget the cached token (after a 401), so the next call asks the authority again."""
        self._token = ""
        self._expires_at = 0.0
        self._app = None  # msal keeps its own cache; a fresh application starts without it

    def _acquire(self) -> Any:
        if self._app is None:
            import msal  # only once a token is needed (a Teams bot has it loaded already)

            self._app = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=self._secret,
                authority=self._authority,
                instance_discovery=False if self._custom_authority else None,
                verify=self._verify,
                timeout=self._timeout,
            )
        return self._app.acquire_token_for_client(scopes=[self._scope])
