"""The ERP client against a scripted ERP on loopback: retries and backoff, Retry-After, timeouts,
malformed answers, problem codes mapped to the core's errors, OAuth token caching, and logs that
carry the ERP's request id but never a credential."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from loguru import logger

from adapters.erp import HttpErpClient
from adapters.http_retry import retry_after_seconds
from commands.errors import Conflict, Forbidden, NotFound, UpstreamUnavailable, UserInputError
from commands.ports.erp import AlreadyDecided, DecisionAction, ItemChanged, NotYourStep, ReasonRequired

API_KEY = "scripted-api-key-5d1e0b77"
CLIENT_SECRET = "scripted-client-secret-a81c"
PERSON = {"employee_no": "2015002", "name": "박시우", "department": {"code": "SAL-1", "name": "영업1팀"}}
EMPLOYEE = {
    **PERSON,
    "english_name": "Siwoo Park",
    "email": "siwoo.park@hanbit.example",
    "title": "차장",
    "position": "팀장",
    "manager_employee_no": "2006002",
    "roles": ["employee", "manager"],
    "absence": None,
}
STEP = {
    "seq": 1, "kind": "approve", "approver": PERSON, "state": "current", "decided_at": None, "decided_by": None,
    "acting_for": None, "comment": "", "final_authority": True, "allowed_actions": ["approve", "reject", "hold"],
}  # fmt: skip
ITEM = {
    "id": "EX-2026-0001", "type": "expense", "title": "3월 택시비 경비 청구", "requester": PERSON, "amount": 90000,
    "currency": "KRW", "lines": [], "due_date": None, "attachments": [], "status": "pending", "version": 3,
    "web_url": "https://erp.hanbit.example/approval/EX-2026-0001", "created_at": "2026-03-13T09:00:00+09:00",
    "updated_at": "2026-03-13T09:00:00+09:00", "steps": [STEP],
}  # fmt: skip


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class ScriptedErp:
    """Answers each path from its script (the last reply repeats) and records every request."""

    url: str = ""
    script: dict[str, list[Reply]] = field(default_factory=dict)
    hits: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def on(self, path: str, *replies: Reply) -> None:
        self.script[path] = list(replies)

    def hits_on(self, path: str) -> list[dict[str, str]]:
        return [headers for _, p, headers in self.hits if p == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append((request.method, request.path, dict(request.headers)))
        replies = self.script.get(request.path) or [
            Reply(404, {"type": "about:blank", "title": "x", "status": 404, "code": "not_found"})
        ]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if reply.hang:
            await self.release.wait()
        headers = {"X-Request-Id": "erp-req-7731", **reply.headers}
        if isinstance(reply.body, bytes):
            return web.Response(
                status=reply.status, body=reply.body, headers=headers, content_type="text/html"
            )
        kind = "application/problem+json" if reply.status >= 400 else "application/json"
        return web.json_response(reply.body, status=reply.status, headers=headers, content_type=kind)


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedErp]:
    erp = ScriptedErp()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", erp.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    erp.url = str(server.make_url("")).rstrip("/")
    try:
        yield erp
    finally:
        erp.release.set()
        await server.close()


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(erp: ScriptedErp, sleeps: Sleeps | None = None, **kwargs: Any) -> HttpErpClient:
    kwargs.setdefault("api_key", API_KEY)
    return HttpErpClient(erp.url, sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)


def problem(status: int, code: str, **extra: Any) -> Reply:
    body = {
        "type": f"https://erp.hanbit.example/problems/{code}",
        "title": code,
        "status": status,
        "code": code,
    }
    return Reply(status, {**body, **extra})


async def test_5xx_is_retried_with_jittered_backoff(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(500, {}), Reply(502, {}), Reply(200, EMPLOYEE))
    sleeps = Sleeps()
    erp = client(scripted, sleeps, backoff=0.25)
    assert (await erp.get_employee("2015002")).name == "박시우"
    assert len(scripted.hits) == 3
    assert 0.125 <= sleeps[0] <= 0.25 and 0.25 <= sleeps[1] <= 0.5
    await erp.aclose()


async def test_persistent_5xx_becomes_upstream_unavailable(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(503, {}))
    erp = client(scripted, retries=3)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.get_employee("2015002")
    assert failed.value.status == 503 and failed.value.service == "ERP" and len(scripted.hits) == 4
    await erp.aclose()


async def test_429_waits_for_retry_after(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(429, {}, {"Retry-After": "2"}), Reply(200, EMPLOYEE))
    sleeps = Sleeps()
    erp = client(scripted, sleeps)
    await erp.get_employee("2015002")
    assert sleeps == [2.0]
    await erp.aclose()


async def test_429_with_a_long_retry_after_gives_up_at_once(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(429, {}, {"Retry-After": "120"}))
    sleeps = Sleeps()
    erp = client(scripted, sleeps, max_retry_after=30)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.get_employee("2015002")
    assert failed.value.status == 429 and sleeps == [] and len(scripted.hits) == 1
    await erp.aclose()


async def test_read_timeout_is_retried_then_unavailable(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(hang=True))
    erp = client(scripted, timeout=0.2, retries=1)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.get_employee("2015002")
    assert failed.value.status is None and "Timeout" in str(failed.value) and len(scripted.hits) == 2
    await erp.aclose()


async def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    erp = HttpErpClient(f"http://127.0.0.1:{port}", api_key=API_KEY, retries=2, sleep=sleeps)
    with pytest.raises(UpstreamUnavailable):
        await erp.list_departments()
    assert len(sleeps) == 2
    await erp.aclose()


async def test_malformed_json_is_unavailable_and_not_retried(scripted: ScriptedErp) -> None:
    scripted.on("/v1/employees/2015002", Reply(200, b"<html>gateway says hi</html>"))
    erp = client(scripted)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.get_employee("2015002")
    assert "malformed" in str(failed.value) and failed.value.status == 200 and len(scripted.hits) == 1
    await erp.aclose()


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({k: v for k, v in EMPLOYEE.items() if k != "email"}, "email"),
        ({**EMPLOYEE, "roles": "manager"}, "roles"),
        ({**EMPLOYEE, "absence": {"from": "2026-03-15", "acting_employee_no": "2011002"}}, "to"),
        ({**EMPLOYEE, "department": {"code": "SAL-1"}}, "name"),
    ],
)
async def test_missing_or_mistyped_fields_are_malformed(
    scripted: ScriptedErp, body: Any, field_name: str
) -> None:
    scripted.on("/v1/employees/2015002", Reply(200, body))
    erp = client(scripted)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.get_employee("2015002")
    assert "malformed" in str(failed.value) and field_name in str(failed.value)
    await erp.aclose()


@pytest.mark.parametrize(
    "item",
    [
        {**ITEM, "version": "3"},
        {**ITEM, "status": "archived"},
        {**ITEM, "updated_at": "2026-03-13T09:00:00"},
        {**ITEM, "steps": [{**STEP, "final_authority": 1}]},
    ],
)
async def test_approval_items_are_parsed_strictly(scripted: ScriptedErp, item: Any) -> None:
    scripted.on("/v1/approvals/EX-2026-0001", Reply(200, item))
    erp = client(scripted)
    with pytest.raises(UpstreamUnavailable, match="malformed"):
        await erp.get_approval("EX-2026-0001")
    await erp.aclose()


async def test_only_safe_posts_are_retried(scripted: ScriptedErp) -> None:
    scripted.on("/v1/approvals", Reply(500, {}))
    scripted.on("/v1/approvals/EX-2026-0001/decisions", Reply(503, {}), Reply(200, {**ITEM, "version": 4}))
    erp = client(scripted)
    with pytest.raises(UpstreamUnavailable):
        await erp.create_approval({"type": "expense", "title": "x", "requester_employee_no": "2015002"})
    assert len(scripted.hits_on("/v1/approvals")) == 1
    item = await erp.decide(
        "EX-2026-0001",
        DecisionAction.APPROVE,
        actor_no="2015002",
        expected_version=3,
        idempotency_key="retry-0001",
    )
    keys = [h["Idempotency-Key"] for h in scripted.hits_on("/v1/approvals/EX-2026-0001/decisions")]
    assert item.version == 4 and keys == ["retry-0001", "retry-0001"]
    await erp.aclose()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (problem(409, "already_decided", item=ITEM), AlreadyDecided),
        (problem(409, "item_changed", current_version=7), ItemChanged),
        (problem(412, "item_changed"), ItemChanged),
        (problem(409, "action_not_allowed"), Conflict),
        (problem(403, "not_your_step"), NotYourStep),
        (problem(403, "forbidden"), Forbidden),
        (problem(422, "reason_required"), ReasonRequired),
        (problem(422, "invalid_request"), UserInputError),
        (problem(404, "not_found"), NotFound),
        (problem(401, "unauthorized"), UpstreamUnavailable),
    ],
)
async def test_problems_map_to_core_errors(
    scripted: ScriptedErp, reply: Reply, expected: type[Exception]
) -> None:
    scripted.on("/v1/approvals/EX-2026-0001/decisions", reply)
    erp = client(scripted)
    with pytest.raises(expected) as raised:
        await erp.decide(
            "EX-2026-0001",
            DecisionAction.APPROVE,
            actor_no="2015002",
            expected_version=3,
            idempotency_key="map-0001",
        )
    assert type(raised.value) is expected and len(scripted.hits) == 1
    if isinstance(raised.value, AlreadyDecided):
        assert raised.value.item is not None and raised.value.item.id == "EX-2026-0001"
    if isinstance(raised.value, ItemChanged) and reply.status == 409:
        assert raised.value.current_version == 7
    await erp.aclose()


def token(value: str, expires_in: int = 3600) -> Reply:
    return Reply(200, {"access_token": value, "token_type": "Bearer", "expires_in": expires_in})


def oauth_client(erp: ScriptedErp, **kwargs: Any) -> HttpErpClient:
    settings = (f"{erp.url}/oauth/token", "chatops-bot", CLIENT_SECRET, "erp.read erp.approve")
    return HttpErpClient(erp.url, oauth=settings, sleep=Sleeps(), **kwargs)


@pytest.mark.parametrize(("expires_in", "fetches"), [(3600, 1), (10, 3)])
async def test_oauth_token_is_cached_until_it_expires(
    scripted: ScriptedErp, expires_in: int, fetches: int
) -> None:
    scripted.on("/oauth/token", token("tok-first-1a2b", expires_in))
    scripted.on("/v1/employees/2015002", Reply(200, EMPLOYEE))
    erp = oauth_client(scripted, employee_cache_seconds=0)  # every call goes out: the token is the subject
    for _ in range(3):
        await erp.get_employee("2015002")
    assert len(scripted.hits_on("/oauth/token")) == fetches
    assert {h["Authorization"] for h in scripted.hits_on("/v1/employees/2015002")} == {
        "Bearer tok-first-1a2b"
    }
    await erp.aclose()


async def test_revoked_token_is_replaced_once(scripted: ScriptedErp) -> None:
    scripted.on("/oauth/token", token("tok-old-0001"), token("tok-new-0002"))
    scripted.on("/v1/employees/2015002", problem(401, "unauthorized"), Reply(200, EMPLOYEE))
    erp = oauth_client(scripted)
    await erp.get_employee("2015002")
    sent = [h["Authorization"] for h in scripted.hits_on("/v1/employees/2015002")]
    assert sent == ["Bearer tok-old-0001", "Bearer tok-new-0002"]
    await erp.aclose()


async def test_refused_client_credentials_are_unavailable(scripted: ScriptedErp) -> None:
    scripted.on("/oauth/token", problem(401, "unauthorized"))
    erp = oauth_client(scripted)
    with pytest.raises(UpstreamUnavailable) as failed:
        await erp.list_departments()
    assert failed.value.status == 401 and scripted.hits_on("/v1/departments") == []
    await erp.aclose()


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="DEBUG", format="{message} {extra}")
    caplog.set_level(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.remove(sink)
        lines.extend(r.getMessage() for r in caplog.records)


async def test_logs_carry_the_request_id_but_no_credentials(
    scripted: ScriptedErp, all_logs: list[str]
) -> None:
    scripted.on("/oauth/token", token("tok-secret-77ee"))
    scripted.on("/v1/employees/2015002", Reply(500, {}), problem(401, "unauthorized"), Reply(200, EMPLOYEE))
    scripted.on("/v1/departments", Reply(200, b"not json"))
    erp = oauth_client(scripted)
    await erp.get_employee("2015002")
    keyed = client(scripted)
    with pytest.raises(UpstreamUnavailable):
        await keyed.list_departments()
    await erp.aclose()
    await keyed.aclose()
    text = "\n".join(all_logs)
    assert "erp-req-7731" in text and "malformed" in text
    for secret in ("tok-secret-77ee", CLIENT_SECRET, API_KEY):
        assert secret not in text


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
    assert retry_after_seconds("3", now=now) == 3.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=10), usegmt=True), now=now) == 10.0
    assert retry_after_seconds("Mon, 16 Mar 2026 01:00:20 -0000", now=now) == 20.0
    assert retry_after_seconds("soon", now=now) is None and retry_after_seconds(None) is None
