"""The demo ERP as an aiohttp application: request ids, authentication (API key or OAuth2 client
credentials), RFC 9457 problems, and the routes of the contract (see routes.py)."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web
from loguru import logger

from adapters.erp.demo import routes
from adapters.erp.demo.common import Problem
from adapters.erp.demo.db import DemoDb, create_schema
from adapters.erp.demo.state import STATE, DemoState, dumps, state
from adapters.erp.demo.webhooks import WebhookSender
from commands.ports.clock import Clock, SystemClock

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = "public:"  # route names of what needs no credentials (works when mounted as a sub-app too)
PROBLEM_BASE = "https://erp.hanbit.example/problems/"


def problem_response(request: web.Request, problem: Problem) -> web.Response:
    body = {
        "type": PROBLEM_BASE + problem.code,
        "title": problem.code.replace("_", " "),
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        "instance": request.path,
        **problem.extra,
    }
    return web.json_response(
        body, status=problem.status, content_type="application/problem+json", dumps=dumps
    )


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    try:
        response = await handler(request)
    except Problem as problem:
        response = problem_response(request, problem)
    except web.HTTPException as exc:
        code = {404: "not_found", 401: "unauthorized", 403: "forbidden"}.get(exc.status, "invalid_request")
        response = problem_response(request, Problem(exc.status, code, exc.reason))
    except Exception:
        logger.exception("demo ERP failed on {} {}", request.method, request.path)
        response = problem_response(request, Problem(500, "internal", "internal error"))
    response.headers["X-Request-Id"] = request_id[:100]
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    demo = state(request)
    if demo.open or (request.match_info.route.name or "").startswith(PUBLIC):
        return await handler(request)
    key = request.headers.get("X-API-Key", "")
    if demo.api_key and key and hmac.compare_digest(key.encode(), demo.api_key.encode()):
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expires = demo.tokens.get(token) if scheme.lower() == "bearer" else None
    if expires is not None and demo.clock.now() < expires:
        return await handler(request)
    raise Problem(401, "unauthorized", "missing or invalid credentials")


async def issue_token(request: web.Request) -> web.Response:
    """OAuth2 client credentials (client_secret_post)."""
    demo = state(request)
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        raise Problem(400, "invalid_request", "grant_type must be client_credentials")
    client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    expected = demo.oauth_clients.get(client_id)
    if expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Problem(401, "unauthorized", "unknown client or wrong secret")
    now = demo.clock.now()
    for stale in [t for t, until in demo.tokens.items() if until <= now]:
        del demo.tokens[stale]
    token = secrets.token_urlsafe(32)
    demo.tokens[token] = now + demo.token_ttl
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(demo.token_ttl.total_seconds()),
    }
    if form.get("scope"):
        body["scope"] = str(form["scope"])
    return web.json_response(body, headers={"Cache-Control": "no-store"})


def create_demo_erp_app(
    db_path: str,
    *,
    api_key: str | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    clock: Clock | None = None,
    oauth_clients: Mapping[str, str] | None = None,
    token_ttl: timedelta = timedelta(hours=1),
) -> web.Application:
    """The demo ERP serving the data in `db_path` (seed it with `seed`). Without `api_key` and
    `oauth_clients` it is open; with them, requests need X-API-Key or a bearer token from
    POST /oauth/token. Changes to approval items are POSTed, signed, to `webhook_url`."""
    clock = clock or SystemClock()
    demo = DemoState(
        db=DemoDb(db_path),
        clock=clock,
        webhooks=WebhookSender(webhook_url, webhook_secret, clock),
        api_key=api_key,
        oauth_clients=dict(oauth_clients or {}),
        token_ttl=token_ttl,
    )
    app = web.Application(middlewares=[request_ids, authenticate])
    app[STATE] = demo

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(create_schema, db_path)
        await demo.webhooks.start()
        yield
        await demo.webhooks.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/oauth/token", issue_token, name=PUBLIC + "token")
    routes.add_routes(app.router)
    return app
