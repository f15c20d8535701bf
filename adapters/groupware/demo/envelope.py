"""What the demo service's handlers share: app keys and Dooray's response envelope."""

from __future__ import annotations

import json
from collections import deque
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web

from adapters.groupware.demo.store import DemoStore
from commands.ports.clock import Clock

STORE = web.AppKey("demo_groupware_store", DemoStore)
CLOCK = web.AppKey("demo_groupware_clock", Clock)
SESSION = web.AppKey("demo_groupware_session", aiohttp.ClientSession)
DB_PATH = web.AppKey("demo_groupware_db_path", str)
WEBHOOK_URL = web.AppKey("demo_groupware_webhook_url", str)
# the last requests seen (method, path, query string): for tests and for looking at a running demo
REQUEST_LOG = web.AppKey("demo_groupware_request_log", deque[tuple[str, str, str]])


def ok(result: Any, *, total: int | None = None) -> web.Response:
    """Dooray's success envelope."""
    body: dict[str, Any] = {
        "header": {"isSuccessful": True, "resultCode": 0, "resultMessage": ""},
        "result": result,
    }
    if total is not None:
        body["totalCount"] = total
    return web.json_response(body, dumps=partial(json.dumps, ensure_ascii=False))


def fail(status: int, message: str) -> web.Response:
    """Dooray's failure envelope with a matching HTTP status."""
    body = {
        "header": {"isSuccessful": False, "resultCode": -status * 1000, "resultMessage": message},
        "result": None,
    }
    return web.json_response(body, status=status, dumps=partial(json.dumps, ensure_ascii=False))
