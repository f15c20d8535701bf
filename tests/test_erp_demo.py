"""The demo ERP as a service: racing decisions, signed webhooks, restarts, seeding, credentials,
new items, and the shape of its KPI history."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.erp import CONTRACT_PATH, HttpErpClient, WebhookRejected, parse_webhook_event, verify_webhook
from adapters.erp.demo import reseed, seed
from commands.errors import UpstreamUnavailable, UserInputError
from commands.ports.clock import Clock, FrozenClock
from commands.ports.erp import AlreadyDecided, ApprovalEvent, ApprovalItem, DecisionAction, Grain, ItemChanged
from tests.fixtures.erp import ERP_NOW, ERP_TODAY, ERP_WEBHOOK_SECRET, DemoErp, serve_demo_erp

APPROVE = DecisionAction.APPROVE


async def _ga_item(erp: HttpErpClient) -> tuple[str, ApprovalItem]:
    head = {d.code: d.head_no for d in await erp.list_departments()}["MGT-GA"] or ""
    page = await erp.pending_approvals(head)
    return head, next(i for i in page.items if i.amount == 180_000)


def _rows(db_path: str | Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql, params).fetchall()


async def test_fifty_racing_decisions_on_one_step_decide_once(erp_demo: DemoErp) -> None:
    erp = erp_demo.client()
    head, item = await _ga_item(erp)
    outcomes = await asyncio.gather(
        *(
            erp.decide(
                item.id,
                APPROVE,
                actor_no=head,
                expected_version=item.version,
                idempotency_key=f"race-{i:04d}",
            )
            for i in range(50)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if isinstance(o, ApprovalItem)]
    assert len(winners) == 1
    assert all(isinstance(o, AlreadyDecided | ItemChanged) for o in outcomes if o not in winners)
    assert (await erp.get_approval(item.id)).version == item.version + 1
    assert _rows(erp_demo.db_path, "SELECT COUNT(*) FROM idempotency WHERE item_id = ?", item.id) == [(1,)]
    await erp.aclose()


@asynccontextmanager
async def webhook_receiver(
    clock: Clock, fail_first: int = 0
) -> AsyncIterator[tuple[str, asyncio.Queue[ApprovalEvent]]]:
    """A bot-side endpoint verifying signatures; answers 500 to the first `fail_first` deliveries."""
    events: asyncio.Queue[ApprovalEvent] = asyncio.Queue()
    failures = [fail_first]

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            headers = request.headers
            verify_webhook(
                ERP_WEBHOOK_SECRET,
                headers.get("X-ERP-Timestamp"),
                headers.get("X-ERP-Signature"),
                body,
                clock.now(),
            )
        except WebhookRejected:
            return web.Response(status=401)
        events.put_nowait(parse_webhook_event(body))
        if failures[0] > 0:
            failures[0] -= 1
            return web.Response(status=500)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/erp/webhook", receive)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/erp/webhook")), events
    finally:
        await server.close()


async def test_decisions_and_new_items_send_signed_webhooks(erp_db_path: str) -> None:
    clock = FrozenClock(ERP_NOW)
    async with (
        webhook_receiver(clock) as (url, events),
        serve_demo_erp(erp_db_path, clock=clock, webhook_url=url, webhook_secret=ERP_WEBHOOK_SECRET) as demo,
    ):
        erp = demo.client()
        head, item = await _ga_item(erp)
        done = await erp.decide(
            item.id, APPROVE, actor_no=head, expected_version=item.version, idempotency_key="hook-0001"
        )
        event = await asyncio.wait_for(events.get(), 5)
        assert (event.type, event.item_id, event.version) == ("approval.updated", item.id, done.version)
        await erp.decide(
            item.id, APPROVE, actor_no=head, expected_version=item.version, idempotency_key="hook-0001"
        )
        created = await erp.create_approval(
            {
                "type": "leave",
                "title": "연차 휴가 신청 (03/30)",
                "requester_employee_no": item.requester.employee_no,
            }
        )
        event = await asyncio.wait_for(events.get(), 5)
        assert (event.type, event.item_id, event.version) == ("approval.created", created.id, 1)
        assert events.empty()  # the idempotent replay sent nothing
        await erp.aclose()


async def test_failed_webhook_deliveries_are_retried(erp_db_path: str, erp_demo: DemoErp) -> None:
    async with (
        webhook_receiver(erp_demo.clock, fail_first=2) as (url, events),
        serve_demo_erp(
            erp_db_path, clock=erp_demo.clock, webhook_url=url, webhook_secret=ERP_WEBHOOK_SECRET
        ) as demo,
    ):
        erp = demo.client()
        head, item = await _ga_item(erp)
        await erp.decide(
            item.id, APPROVE, actor_no=head, expected_version=item.version, idempotency_key="hook-0002"
        )
        deliveries = [await asyncio.wait_for(events.get(), 5) for _ in range(3)]
        assert len({e.event_id for e in deliveries}) == 1  # at least once: the same event, redelivered
        await erp.aclose()


async def test_decisions_and_idempotency_keys_survive_a_restart(erp_db_path: str) -> None:
    async with serve_demo_erp(erp_db_path) as demo:
        erp = demo.client()
        head, item = await _ga_item(erp)
        done = await erp.decide(
            item.id, APPROVE, actor_no=head, expected_version=item.version, idempotency_key="keep-0001"
        )
        await erp.aclose()
    async with serve_demo_erp(erp_db_path) as demo:
        erp = demo.client()
        assert await erp.get_approval(item.id) == done
        replay = await erp.decide(
            item.id, APPROVE, actor_no=head, expected_version=item.version, idempotency_key="keep-0001"
        )
        assert replay == done
        with pytest.raises(UserInputError):  # the same key for another request is refused (422)
            await erp.decide(
                item.id, DecisionAction.HOLD, actor_no=head, expected_version=1, idempotency_key="keep-0001"
            )
        await erp.aclose()


def test_seeding_is_idempotent_deterministic_and_resettable(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    assert seed(first, today=ERP_TODAY, reset=False) is True
    with closing(sqlite3.connect(first)) as conn, conn:
        conn.execute("UPDATE approvals SET title = 'changed' WHERE n = 1")
    assert seed(first, today=ERP_TODAY, reset=False) is False
    assert _rows(first, "SELECT title FROM approvals WHERE n = 1") == [("changed",)]
    reseed(first, today=ERP_TODAY)
    seed(second, today=ERP_TODAY)
    seed(other, today=ERP_TODAY, rng_seed=7)
    for sql in (
        "SELECT * FROM employees ORDER BY employee_no",
        "SELECT * FROM approvals ORDER BY id",
        "SELECT * FROM approval_steps ORDER BY item_id, seq",
        "SELECT metric, COUNT(*), SUM(value) FROM kpi_facts GROUP BY metric",
    ):
        assert _rows(first, sql) == _rows(second, sql)
    assert _rows(other, "SELECT name FROM employees") != _rows(first, "SELECT name FROM employees")
    counts = _rows(first, "SELECT (SELECT COUNT(*) FROM employees), (SELECT COUNT(*) FROM approvals)")
    assert counts == [(60, 42)]
    statuses = {s for (s,) in _rows(first, "SELECT DISTINCT status FROM approvals")}
    assert statuses == {"pending", "approved", "rejected", "on_hold", "withdrawn"}


async def test_requests_need_credentials(erp_demo: DemoErp) -> None:
    for key in (None, "wrong-key-123456"):
        erp = HttpErpClient(erp_demo.url, api_key=key, retries=0)
        with pytest.raises(UpstreamUnavailable) as refused:
            await erp.list_departments()
        assert refused.value.status == 401
        await erp.aclose()
    async with httpx.AsyncClient(base_url=erp_demo.url) as raw:
        response = await raw.get("/v1/departments", headers={"X-Request-Id": "abc-123"})
        health = await raw.get("/healthz")
    assert response.status_code == 401 and response.headers["X-Request-Id"] == "abc-123"
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthorized" and health.status_code == 200


async def test_oauth_client_credentials_and_token_expiry(erp_db_path: str) -> None:
    clients = {"chatops-bot": "client-secret-0099"}
    async with serve_demo_erp(erp_db_path, api_key=None, oauth_clients=clients) as demo:
        good = HttpErpClient(
            demo.url, oauth=(f"{demo.url}/oauth/token", "chatops-bot", "client-secret-0099", "")
        )
        assert len(await good.list_departments()) == 14
        demo.clock.advance(hours=2)  # the demo's token expired; the client still holds it
        assert len(await good.list_departments()) == 14
        bad = HttpErpClient(
            demo.url, oauth=(f"{demo.url}/oauth/token", "chatops-bot", "guess", ""), retries=0
        )
        with pytest.raises(UpstreamUnavailable) as refused:
            await bad.list_departments()
        assert refused.value.status == 401
        await good.aclose()
        await bad.aclose()


async def test_new_items_get_their_line_from_the_delegation_table(erp_demo: DemoErp) -> None:
    erp = erp_demo.client()
    requester = (await erp.list_employees(department="SAL-2"))[-1]
    item = await erp.create_approval(
        {
            "type": "purchase_order",
            "title": "산업용 로봇 감속기 구매 요청",
            "requester_employee_no": requester.employee_no,
            "lines": [{"description": "산업용 로봇 감속기", "quantity": 2, "unit_price": 3_500_000}],
            "attachments": [{"name": "견적서.pdf", "url": "https://erp.hanbit.example/files/1/견적서.pdf"}],
        }
    )
    assert item.amount == 7_000_000 and item.version == 1 and item.status == "pending"
    assert [s.kind.value for s in item.steps] == [
        "draft",
        "review",
        "approve",
        "agree",
        "approve",
        "approve",
        "receive",
    ]
    assert [s.final_authority for s in item.steps].index(True) == 5  # > 5,000,000원: 대표이사
    assert item.current_step is item.steps[1] and item.steps[0].decided_by == requester.employee_no
    with pytest.raises(UserInputError):
        await erp.create_approval(
            {"type": "expense", "title": "", "requester_employee_no": requester.employee_no}
        )
    with pytest.raises(UserInputError):
        await erp.create_approval({"type": "expense", "title": "경비", "requester_employee_no": "0000000"})
    await erp.aclose()


async def test_kpi_history_follows_the_calendar(erp_demo: DemoErp) -> None:
    erp = erp_demo.client()
    # 2025-10-03..09: 개천절, 추석 연휴 (10/5-7), 대체공휴일 (10/8), 한글날; only Saturday 10/4 is not a holiday.
    output = await erp.kpi_values("production_output", date(2025, 10, 3), date(2025, 10, 9))
    assert {p.period_start.day: p.value > 0 for p in output.points} == {
        3: False, 4: True, 5: False, 6: False, 7: False, 8: False, 9: False,
    }  # fmt: skip
    start = ERP_TODAY - timedelta(days=56)
    sales = await erp.kpi_values("sales", start, ERP_TODAY - timedelta(days=1), department="SAL-1")
    weekend = [p.value for p in sales.points if p.period_start.weekday() >= 5]
    weekday = [p.value for p in sales.points if p.period_start.weekday() < 5]
    assert sum(weekend) / len(weekend) < 0.3 * sum(weekday) / len(weekday)
    first = await erp.kpi_values("headcount", date(2024, 1, 1), date(2024, 9, 1), grain=Grain.MONTH)
    assert [p.period_start for p in first.points] == [date(2024, 9, 1)]  # history starts 18 months back
    assert _rows(erp_demo.db_path, "SELECT MAX(day) FROM kpi_facts") == [("2026-03-15",)]
    await erp.aclose()


async def test_the_demo_serves_the_contract(erp_demo: DemoErp) -> None:
    async with httpx.AsyncClient(base_url=erp_demo.url) as raw:
        response = await raw.get("/openapi.yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.text) == yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
