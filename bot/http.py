"""aiohttp middlewares: request ids, and one error boundary so no request ever gets a bare 500."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from loguru import logger

from adapters.web import REQUEST_ID

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# 16 hex digits: 8 random per process (replicas differ), then a counter (no syscall per request)
_ID_PREFIX = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFF:08x}"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if incoming and _SAFE_ID.match(incoming) else new_request_id()
    request[REQUEST_ID] = request_id
    with logger.contextualize(request_id=request_id):
        response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 500:
            logger.error("{} {} -> {}", request.method, request.path, exc.status)
        if exc.empty_body or exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status)
    except (UnicodeDecodeError, ValueError) as exc:
        logger.info("{} {} bad request: {}", request.method, request.path, type(exc).__name__)
        return web.json_response({"error": "bad request"}, status=400)
    except Exception:
        logger.exception("{} {} failed", request.method, request.path)
        return web.json_response(
            {"error": "internal error", "request_id": request.get(REQUEST_ID, "")}, status=500
        )
