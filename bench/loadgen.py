"""The load generator of the latency benchmark, and the fake platforms the bots talk back to.

`Fakes` is one aiohttp server in the bench process playing the Bot Connector (Teams replies go to the
activity's serviceUrl) and the Slack Web API (auth.test, users.info, chat.*); it answers at once and
only counts. `run_point` sends `total` requests with `concurrency` workers over one keep-alive
connection pool and records each request's latency (send to last body byte) and status.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-0000-token"
TENANT = "tenant-bench"


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str]


Build = Callable[[int], Request]


@dataclass
class Sample:
    """Latencies (seconds) of one load point; failures are non-2xx answers and client errors."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    wall: float = 0.0
    body_bytes: int = 0  # answers' bodies, summed

    def merge(self, other: Sample) -> None:
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.failures += other.failures
        self.wall += other.wall
        self.body_bytes += other.body_bytes

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else math.nan

    @property
    def worst(self) -> float:
        return max(self.latencies, default=math.nan)


class Fakes:
    """Fake Bot Connector + Slack Web API on one loopback port. `members` maps a Teams user id to the
    roster entry (email) the bot's profile lookup reads."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.members: dict[str, dict[str, Any]] = {}
        self.last_activity: dict[str, Any] = {}  # the body of the last activity posted to a conversation
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._slack)
        app.router.add_post("/response/{id}", self._ok)
        app.router.add_route("*", "/v3/{tail:.*}", self._connector)
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""

    async def start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[f"slack:{method}"] += 1
        await request.read()
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"})
        if method == "users.info":
            user = request.query.get("user", "") or "U"
            return web.json_response({"ok": True, "user": {"id": user, "locale": "ko-KR", "profile": {}}})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": f"D{next(self._ids)}"}})
        ts = f"1700000000.{next(self._ids):06d}"
        return web.json_response({"ok": True, "channel": "C1", "ts": ts})

    async def _ok(self, request: web.Request) -> web.Response:
        self.calls["slack:response_url"] += 1
        await request.read()
        return web.Response(text="ok")

    async def _connector(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls[f"teams:{request.method}"] += 1
        if request.method == "POST" and "/activities" in request.path:
            self.last_activity = json.loads(body or b"{}")
        if request.method == "GET" and "/members/" in request.path:
            member = self.members.get(urllib.parse.unquote(request.path.rsplit("/", 1)[-1]))
            if member is None:
                return web.json_response({"error": {"code": "MemberNotFound", "message": "no"}}, status=404)
            return web.json_response(member)
        return web.json_response({"id": f"activity-{next(self._ids)}"})


def slack_headers(body: bytes, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """What Slack sends: v0 HMAC-SHA256 over 'v0:{ts}:{body}'."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def slack_command(fakes: Fakes, text: str, *, user: str = "UBENCH") -> Build:
    """A signed `/chatops <text>` from `user`, a fresh signature per request."""

    def build(i: int) -> Request:
        form = {
            "command": "/chatops",
            "text": text,
            "user_id": user,
            "user_name": "bench",
            "team_id": "T1",
            "channel_id": "DBENCH",
            "channel_name": "directmessage",
            "trigger_id": f"trig-{i}",
            "response_url": f"{fakes.url}/response/{i}",
            "token": "legacy",
        }
        body = urllib.parse.urlencode(form).encode()
        return Request("/slack/events", body, slack_headers(body))

    return build


def activity(fakes: Fakes, user: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": fakes.url + "/",
        "from": {"id": user, "name": "벤치", "aadObjectId": f"aad-{user}"},
        "recipient": {"id": "28:bot", "name": "ChatOps"},
        "conversation": {"id": f"a:dm-{user}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "ko-KR",
        "text": "",
    }
    base.update(fields)
    return base


def _json(payload: dict[str, Any]) -> Request:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Request("/api/messages", body, {"Content-Type": "application/json"})


def teams_message(fakes: Fakes, text: str, *, user: str = "29:bench") -> Build:
    return lambda i: _json(activity(fakes, user, text=text))


def teams_execute(fakes: Fakes, verb: str, data_of: Callable[[int], dict[str, str]], *, user: str) -> Build:
    """An Action.Execute invoke (a card button) whose data depends on the request number."""

    def build(i: int) -> Request:
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": {"action": verb, **data_of(i)}},
            "trigger": "manual",
        }
        return _json(
            activity(fakes, user, type="invoke", name="adaptiveCard/action", value=value, replyToId="act-1")
        )

    return build


async def run_point(
    session: aiohttp.ClientSession, base_url: str, build: Build, total: int, concurrency: int, start: int = 0
) -> Sample:
    """`total` requests by `concurrency` workers; request numbers run from `start`."""
    sample = Sample()
    numbers = iter(range(start, start + total))
    requests = [build(i) for i in numbers]  # built (and signed) before the clock starts
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            began = time.perf_counter()
            try:
                async with session.post(
                    base_url + request.path, data=request.body, headers=request.headers
                ) as r:
                    sample.body_bytes += len(await r.read())
                    status = r.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            sample.latencies.append(time.perf_counter() - began)
            sample.statuses[status] += 1
            if not 200 <= status < 300:
                sample.failures += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    sample.wall = time.perf_counter() - began
    return sample


def client_session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))
