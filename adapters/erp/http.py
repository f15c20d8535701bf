"""One ERP round trip: authentication, retries with backoff and jitter, Retry-After, logging with
the ERP's request id, and strict decoding. Everything foreign becomes a commands.errors error here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from loguru import logger

from adapters.erp import codec
from adapters.erp.auth import Credentials
from adapters.erp.errors import SERVICE, map_problem
from adapters.http_retry import equal_jitter, retry_after_seconds
from adapters.tls import client_tls
from commands.errors import UpstreamUnavailable

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
MAX_BACKOFF = 10.0  # seconds; a Retry-After may ask for longer, up to `max_retry_after`


class ErpHttp:
    """The ERP's HTTP session. `retries` counts extra attempts after the first."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float,
        connect_timeout: float,
        retries: int,
        backoff: float,
        max_retry_after: float,
        transport: httpx.AsyncBaseTransport | None,
        sleep: Sleep,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "chatops-bot/erp-client"},
            verify=client_tls(),
        )
        self._credentials = credentials
        self._retries = max(0, retries)
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._client.aclose()

    def _delay(self, attempt: int) -> float:
        return equal_jitter(attempt, base=self._backoff, cap=MAX_BACKOFF)

    async def call(
        self,
        method: str,
        path: str,
        decode: Callable[[codec.Reader], T],
        *,
        what: str,
        retry: bool,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one request; `retry` only for requests that cannot act twice (see the callers)."""
        request_id = uuid.uuid4().hex
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        sent_headers = {"X-Request-Id": request_id, **(headers or {})}
        if content is not None:
            sent_headers["Content-Type"] = "application/json"
        attempts = 1 + (self._retries if retry else 0)
        reauthenticated = False
        attempt = 0
        while True:
            try:
                auth = await self._credentials.headers(self._client)
                response = await self._client.request(
                    method, path, params=params, content=content, headers={**sent_headers, **auth}
                )
            except httpx.TransportError as exc:  # timeouts, refused connections, broken streams
                problem = f"{type(exc).__name__}"
                status: int | None = None
                wait = self._delay(attempt)
            else:
                status = response.status_code
                erp_id = response.headers.get("X-Request-Id", "-")
                logger.debug("ERP {} {} -> {} (erp request id {})", method, path, status, erp_id)
                if status == 401 and not reauthenticated and self._credentials.invalidate():
                    # The cached token may have been revoked: drop it and try once more at once.
                    reauthenticated = True
                    continue
                if status < 400:
                    return self._decode(response, decode, method, path)
                if status != 429 and status < 500:
                    raise map_problem(status, response.content, what=what)
                problem = f"HTTP {status} (erp request id {erp_id})"
                wait = self._delay(attempt)
                after = retry_after_seconds(response.headers.get("Retry-After"))
                if after is not None:
                    wait = after
            attempt += 1
            if attempt >= attempts or wait > self._max_retry_after:
                logger.warning("ERP {} {} failed after {} attempt(s): {}", method, path, attempt, problem)
                raise UpstreamUnavailable(SERVICE, f"{method} {path}: {problem}", status=status)
            logger.info("ERP {} {}: {}; retry {} in {:.2f} s", method, path, problem, attempt, wait)
            await self._sleep(wait)

    @staticmethod
    def _decode(response: httpx.Response, decode: Callable[[codec.Reader], T], method: str, path: str) -> T:
        try:
            data = json.loads(response.content, parse_float=Decimal)
            return decode(codec.Reader(data, "response"))
        except (ValueError, codec.MalformedResponse) as exc:
            logger.warning("ERP {} {} answered malformed JSON: {}", method, path, str(exc)[:200])
            raise UpstreamUnavailable(
                SERVICE, f"malformed response: {str(exc)[:200]}", status=response.status_code
            ) from exc
