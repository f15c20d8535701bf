"""How the Dooray client fails: throttling, outages, timeouts, garbage, and refusals."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.groupware.dooray import DoorayTaskSource
from adapters.groupware.retry import RetryPolicy
from adapters.http_retry import retry_after_seconds
from commands.errors import UpstreamUnavailable
from commands.ports.tasks import Task
from tests.fixtures.groupware import CapturedLogs, ScriptedServer

TOKEN = "scripted-secret-token-91b2"
POST = {
    "id": "4001",
    "subject": "법인카드 사용 내역 정리",
    "project": {"id": "p1", "code": "연말-결산"},
    "taskNumber": "연말-결산/5",
    "dueDate": "2026-09-02T18:00:00+09:00",
    "dueDateFlag": True,
    "workflowClass": "registered",
    "users": {
        "to": [{"type": "emailUser", "emailUser": {"emailAddress": "guest@partner.example", "name": "g"}}]
    },
}


def envelope(result: Any, *, ok: bool = True, total: int | None = None, code: int = 0) -> str:
    body: dict[str, Any] = {
        "header": {"isSuccessful": ok, "resultCode": code, "resultMessage": ""},
        "result": result,
    }
    if total is not None:
        body["totalCount"] = total
    return json.dumps(body)


class SleepLog:
    """A RetryPolicy sleep that records the waits it was asked for, then really waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds)


def source_for(base_url: str, sleep: SleepLog, *, retries: int = 2, **kwargs: Any) -> DoorayTaskSource:
    policy = RetryPolicy(max_retries=retries, backoff_base=0.0, max_retry_wait=0.05, sleep=sleep)
    kwargs.setdefault("resolve_emails", False)
    return DoorayTaskSource(base_url, TOKEN, ["p1"], retry=policy, **kwargs)


async def listed(source: DoorayTaskSource) -> list[Task]:
    async with source:
        return [task async for task in source.open_tasks()]


async def test_429_waits_for_retry_after_capped_then_succeeds(groupware_scripted: ScriptedServer) -> None:
    groupware_scripted.push(429, envelope(None, ok=False), {"Retry-After": "1"})
    groupware_scripted.push(429, envelope(None, ok=False), {"Retry-After": "0"})
    groupware_scripted.push(200, envelope([POST], total=1))
    sleep = SleepLog()
    tasks = await listed(source_for(groupware_scripted.base_url, sleep))
    assert [t.source_id for t in tasks] == ["4001"]
    assert tasks[0].assignee_emails == ("guest@partner.example",)
    assert sleep.waits == [0.05, 0.0]  # Retry-After 1 s capped by max_retry_wait, then Retry-After 0
    assert len(groupware_scripted.requests) == 3


async def test_429_that_never_ends_is_upstream_unavailable(groupware_scripted: ScriptedServer) -> None:
    groupware_scripted.push(429, envelope(None, ok=False), {"Retry-After": "0"})
    with pytest.raises(UpstreamUnavailable) as caught:
        await listed(source_for(groupware_scripted.base_url, SleepLog(), retries=3))
    assert (caught.value.service, caught.value.status) == ("Dooray", 429)
    assert len(groupware_scripted.requests) == 4


async def test_persistent_5xx_is_retried_then_upstream_unavailable(
    groupware_scripted: ScriptedServer,
) -> None:
    groupware_scripted.push(503, "Service Unavailable")
    sleep = SleepLog()
    with pytest.raises(UpstreamUnavailable) as caught:
        await listed(source_for(groupware_scripted.base_url, sleep))
    assert caught.value.status == 503
    assert len(groupware_scripted.requests) == 3 and len(sleep.waits) == 2


async def test_a_5xx_blip_on_get_is_survived(groupware_scripted: ScriptedServer) -> None:
    groupware_scripted.push(502, "Bad Gateway")
    groupware_scripted.push(200, envelope([POST], total=1))
    assert len(await listed(source_for(groupware_scripted.base_url, SleepLog()))) == 1


async def test_writes_are_not_retried_on_5xx_but_are_on_429(groupware_scripted: ScriptedServer) -> None:
    task = Task("dooray", "4001", "p1", "연말-결산", "법인카드 사용 내역 정리", "", None)
    groupware_scripted.push(500, envelope(None, ok=False))
    async with source_for(groupware_scripted.base_url, SleepLog()) as source:
        with pytest.raises(UpstreamUnavailable):
            await source.complete(task)
        assert len(groupware_scripted.requests) == 1

        groupware_scripted.script[:] = []
        groupware_scripted.push(429, envelope(None, ok=False), {"Retry-After": "0"})
        groupware_scripted.push(200, envelope(None))
        assert await source.complete(task) is True
    methods = [(m, p) for m, p, _ in groupware_scripted.requests]
    assert methods[1:] == [("POST", "/project/v1/projects/p1/posts/4001/set-done")] * 2


async def test_a_member_we_may_not_read_leaves_the_task_without_email(
    groupware_scripted: ScriptedServer,
) -> None:
    post = {**POST, "users": {"to": [{"type": "member", "member": {"organizationMemberId": "m-9"}}]}}
    groupware_scripted.push(200, envelope([post], total=1))
    groupware_scripted.push(403, envelope(None, ok=False, code=-403000))
    async with source_for(groupware_scripted.base_url, SleepLog(), resolve_emails=True) as source:
        tasks = [task async for task in source.open_tasks()]
    assert tasks[0].assignee_ids == ("m-9",) and tasks[0].assignee_emails == ()
    assert groupware_scripted.requests[1][1] == "/common/v1/members/m-9"


async def test_timeouts_are_retried_then_mapped() -> None:
    calls: list[httpx.Request] = []

    def timeout(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    source = source_for("https://api.dooray.test", SleepLog(), transport=httpx.MockTransport(timeout))
    with pytest.raises(UpstreamUnavailable) as caught:
        await listed(source)
    assert len(calls) == 3 and "timeout" in str(caught.value) and caught.value.service == "Dooray"


async def test_connection_refused_is_upstream_unavailable() -> None:
    source = source_for("http://127.0.0.1:9", SleepLog(), retries=0)
    with pytest.raises(UpstreamUnavailable):
        await listed(source)


@pytest.mark.parametrize(
    ("status", "body", "fragment"),
    [
        (200, "<html>maintenance</html>", "malformed JSON"),
        (200, envelope(None, ok=False, code=-100404), "resultCode -100404"),
        (200, json.dumps({"result": []}), "no response header"),
        (200, json.dumps([1, 2]), "no response header"),
        (403, envelope(None, ok=False, code=-403000), "HTTP 403"),
        (400, "not json", "HTTP 400"),
    ],
)
async def test_garbage_and_refusals_are_upstream_unavailable(
    groupware_scripted: ScriptedServer, status: int, body: str, fragment: str
) -> None:
    groupware_scripted.push(status, body)
    with pytest.raises(UpstreamUnavailable) as caught:
        await listed(source_for(groupware_scripted.base_url, SleepLog()))
    assert fragment in str(caught.value)
    assert caught.value.status == status
    assert len(groupware_scripted.requests) == 1


async def test_a_short_page_ends_pagination_whatever_totalcount_claims(
    groupware_scripted: ScriptedServer,
) -> None:
    groupware_scripted.push(200, envelope([POST], total=1000))
    tasks = await listed(source_for(groupware_scripted.base_url, SleepLog(), page_size=50))
    assert len(tasks) == 1 and len(groupware_scripted.requests) == 1


async def test_token_is_sent_in_the_header_and_never_logged(
    groupware_scripted: ScriptedServer, groupware_logs: CapturedLogs
) -> None:
    groupware_scripted.push(429, envelope(None, ok=False), {"Retry-After": "0"})
    groupware_scripted.push(503, "down")
    with pytest.raises(UpstreamUnavailable) as caught:
        await listed(source_for(groupware_scripted.base_url, SleepLog()))
    assert {headers["Authorization"] for _, _, headers in groupware_scripted.requests} == {
        f"dooray-api {TOKEN}"
    }
    assert "retry" in groupware_logs.text()  # the retries were logged...
    assert TOKEN not in groupware_logs.text() and TOKEN not in repr(caught.value)  # ...without the token


def test_retry_after_forms() -> None:
    now = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds("-5") == 0.0
    assert retry_after_seconds("Tue, 01 Sep 2026 00:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Mon, 31 Aug 2026 23:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
