"""One HTTP call to a groupware with bounded retries, and its failures mapped to UpstreamUnavailable.

- 429 is retried for every method (the server refused the request, nothing was done), waiting for
  its Retry-After (capped by `max_retry_wait`) or else a jittered backoff.
- 5xx, timeouts and connection errors are retried only for GET, with exponential backoff + jitter.
- What is left after the retries becomes `UpstreamUnavailable(service, status=...)`.
Credentials travel in headers only; nothing here logs headers, and error texts carry no header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from loguru import logger

from adapters.http_retry import full_jitter, retry_after_seconds
from commands.errors import UpstreamUnavailable

Sleep = Callable[[float], Awaitable[None]]
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `max_retries` counts retries after the first attempt."""

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_wait: float = 30.0
    sleep: Sleep = field(default=asyncio.sleep, compare=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number `attempt` (0-based)."""
        return full_jitter(attempt, base=self.backoff_base, cap=self.backoff_max)


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    service: str,
    policy: RetryPolicy,
    **kwargs: Any,
) -> httpx.Response:
    """Send with retries; returns the final response (any status < 500 except 429).

    Raises UpstreamUnavailable for timeouts, connection errors, 5xx and 429 once retries run out.
    """
    idempotent = method.upper() == "GET"
    attempt = 0
    while True:
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            if idempotent and attempt < policy.max_retries:
                await _wait(policy, attempt, None, service, "timeout")
                attempt += 1
                continue
            raise UpstreamUnavailable(service, f"{method} {_path(url)}: timeout") from exc
        except httpx.HTTPError as exc:
            if idempotent and attempt < policy.max_retries:
                await _wait(policy, attempt, None, service, type(exc).__name__)
                attempt += 1
                continue
            raise UpstreamUnavailable(service, f"{method} {_path(url)}: {type(exc).__name__}") from exc
        status = response.status_code
        retryable = status == 429 or (idempotent and status in _RETRY_STATUSES)
        if retryable and attempt < policy.max_retries:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            await response.aclose()
            await _wait(policy, attempt, retry_after, service, str(status))
            attempt += 1
            continue
        if status == 429 or status >= 500:
            raise UpstreamUnavailable(service, f"{method} {_path(url)} -> HTTP {status}", status=status)
        return response


def json_of(response: httpx.Response, service: str) -> Any:
    """The response body as JSON, or UpstreamUnavailable when it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamUnavailable(
            service, f"{_path(str(response.request.url))}: malformed JSON", status=response.status_code
        ) from exc


async def _wait(policy: RetryPolicy, attempt: int, retry_after: float | None, service: str, why: str) -> None:
    delay = policy.backoff(attempt) if retry_after is None else retry_after
    delay = min(delay, policy.max_retry_wait)
    logger.info("{} call failed ({}), retry {} in {:.2f}s", service, why, attempt + 1, delay)
    await policy.sleep(delay)


def _path(url: str) -> str:
    """The URL without query string, for error texts (queries may carry ids, never secrets)."""
    return httpx.URL(url).copy_with(query=None).path
