"""Faults around the bot, end to end: the ERP timing out, failing, answering garbage or dropping the
connection (behind a fault-injecting proxy in front of the real demo ERP); a decision whose answer was
lost although the ERP made it; Slack and Teams 429 storms and 5xx while cards fan out; a Slack
chat.update rate-limited during a click; the database locked or its connections killed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from commands.ports.audit import AuditEvent
from commands.ports.outbox import DeliveryStatus
from store.db import Database
from tests.fixtures.bot import BotFactory, BotHarness
from tests.fixtures.erp_proxy import ErpBehindProxy, ErpBehindProxyFactory
from tests.fixtures.platforms import eventually
from tests.fixtures.reliability import Problems
from tests.test_approvals_journey import REQUESTER, TEAM_HEAD, link_slack, link_teams

UNAVAILABLE = "응답하지 않습니다"  # error.upstream (ko)
QUEUED = "ERP가 응답하면 전송"  # approval.queued (ko)
HEAD_DM = {
    "from": {"id": "29:head", "name": "류수아"},
    "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-1"},
}
FAST_DELIVERY = {
    "poll_seconds": 0.05,
    "backoff_base_seconds": 0.05,
    "backoff_cap_seconds": 0.2,
    "limit_margin_ms": 0,
}


@pytest.fixture
def database_url(request: pytest.FixtureRequest, sqlite_database_url: str) -> str:
    """SQLite for the faults around the bot; both dialects for the test that asks for `database`."""
    if "database" in request.fixturenames:
        return str(request.getfixturevalue("database").sync_url)
    return sqlite_database_url


@pytest.fixture
async def erp_faults(erp_behind_proxy: ErpBehindProxyFactory) -> ErpBehindProxy:
    return await erp_behind_proxy(delivery=FAST_DELIVERY)


async def _slack_answer(bot: BotHarness, text: str, user: str) -> str:
    """The command's answer, from the ack or (when it took longer than the ack budget) the response_url."""
    before = len(bot.slack.responses())
    response = await bot.slack_command(text, user=user)
    assert response.status == 200
    body = await response.json()
    if "처리 중" not in body.get("text", ""):
        return json.dumps(body, ensure_ascii=False)
    later = await eventually(lambda: bot.slack.responses()[before:], limit=10)
    return json.dumps(later[-1], ensure_ascii=False)


async def test_erp_faults_get_a_clear_answer_and_the_bot_recovers(
    erp_faults: ErpBehindProxy, problems: Problems
) -> None:
    bot, proxy = erp_faults.bot, erp_faults.proxy
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    await link_teams(bot, "29:head", TEAM_HEAD)
    for mode in ("timeout", "5xx", "malformed", "wrong-shape", "reset"):
        proxy.mode = mode
        assert UNAVAILABLE in await _slack_answer(bot, "approvals", "UHEAD"), mode
        before = len(bot.connector.activities())
        assert (await bot.teams_message("approvals", **HEAD_DM)).status == 200
        reply = json.dumps(bot.connector.activities()[before:], ensure_ascii=False)
        assert UNAVAILABLE in reply, mode
    assert {m for m in proxy.seen if m != "ok"} == {"timeout", "5xx", "malformed", "wrong-shape", "reset"}
    proxy.mode = "ok"
    answer = await _slack_answer(bot, "approvals", "UHEAD")
    assert UNAVAILABLE not in answer
    # scheduled jobs that read the ERP meanwhile fail, and the scheduler records that as an error
    assert problems.all(expected=("jobs.outcome: job ",)) == []


async def test_a_decision_whose_answer_was_lost_is_made_once(
    erp_faults: ErpBehindProxy, problems: Problems
) -> None:
    bot, proxy = erp_faults.bot, erp_faults.proxy
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await erp_faults.create_item()
    proxy.paths = (f"/v1/approvals/{item['id']}/decisions",)
    proxy.mode = "timeout"  # the ERP decides; its answer comes after the bot stopped waiting
    response = await bot.teams_execute("approval.decide.approve", {"item": item["id"], "v": "1"}, **HEAD_DM)
    assert QUEUED in json.dumps(await response.json(), ensure_ascii=False)
    erp = bot.container.services.erp
    assert (await erp.get_approval(item["id"])).status == "approved"  # it did reach the ERP
    proxy.mode = "ok"
    decisions = bot.container.services.decisions
    queued = await decisions.pending_for_item(item["id"])
    assert len(queued) == 1
    await decisions.mark(
        queued[0].idempotency_key, "pending", next_attempt_at=bot.container.services.clock.now()
    )
    assert bot.container.decision_sender is not None
    await bot.container.decision_sender.run_once()
    await bot.container.decision_sender.run_once()
    final = await erp.get_approval(item["id"])
    assert final.status == "approved" and [s.decided_by for s in final.steps].count(TEAM_HEAD) == 1
    assert await decisions.pending_for_item(item["id"]) == []
    assert problems.all() == []


async def test_429_storms_and_5xx_deliver_every_card_exactly_once(
    make_bot: BotFactory, problems: Problems
) -> None:
    bot = await make_bot(delivery=FAST_DELIVERY)
    await link_teams(bot, "29:head", TEAM_HEAD)
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    teams_start, slack_start = len(bot.connector.calls), len(bot.slack.calls)
    bot.connector.fail_next = [(429, {"Retry-After": "0"})] * 12 + [(503, {})] * 3 + [(429, {})] * 3
    ratelimited = (429, {"Retry-After": "0"}, {"ok": False, "error": "ratelimited"})
    bot.slack.fail_next = [ratelimited] * 12 + [(500, {}, {"ok": False, "error": "internal_error"})] * 3
    teams_failures, slack_failures = len(bot.connector.fail_next), len(bot.slack.fail_next)
    items = [await _create(bot) for _ in range(5)]
    repo = bot.container.delivery.repo
    audit = bot.container.services.audit

    async def card_keys() -> list[str]:
        records = [r for item in items for r in await audit.list(item_id=item["id"])]
        return [str(r.detail["key"]) for r in records if r.event is AuditEvent.CARD_SENT]

    async def all_sent() -> bool:
        keys = await card_keys()
        rows = [await repo.by_key(key) for key in keys]
        return len(keys) == 2 * len(items) and all(
            r is not None and r.status is DeliveryStatus.SENT for r in rows
        )

    for _ in range(400):
        if await all_sent():
            break
        await asyncio.sleep(0.05)
    states = {key: getattr(await repo.by_key(key), "status", None) for key in await card_keys()}
    assert await all_sent(), states
    assert bot.connector.fail_next == [] and bot.slack.fail_next == []  # the storm did happen
    teams_ok = bot.connector.calls[teams_start + teams_failures :]
    slack_ok = [
        c for c in bot.slack.calls[slack_start + slack_failures :] if c.path == "/api/chat.postMessage"
    ]
    for item in items:
        assert (
            sum(item["id"] in json.dumps(c.body, ensure_ascii=False) and c.method == "POST" for c in teams_ok)
            == 1
        )
        assert sum(item["id"] in json.dumps(c.body, ensure_ascii=False) for c in slack_ok) == 1
    assert problems.all() == []


async def _create(bot: BotHarness) -> dict[str, Any]:
    from tests.test_approvals_journey import create_item

    return await create_item(bot, REQUESTER, 100_000)


async def test_rate_limited_chat_update_during_a_click_arrives_once(
    bot: BotHarness, problems: Problems
) -> None:
    help_body = await (await bot.slack_command("help")).json()
    button = next(
        e
        for b in help_body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "ping" in e["value"]
    )
    bot.slack.fail_next = [(429, {"Retry-After": "0"}, {"ok": False, "error": "ratelimited"})] * 2
    response = await bot.slack_click({**button, "block_id": "b1", "action_ts": "1"})
    assert response.status == 200
    updates = await eventually(lambda: bot.slack.method_calls("chat.update")[2:], limit=10)
    assert len(updates) == 1 and len(bot.slack.method_calls("chat.update")) == 3
    assert problems.all() == []


async def test_a_locked_or_reset_database_is_waited_out(
    database: Database, bot: BotHarness, database_url: str, problems: Problems
) -> None:
    if database_url.startswith("sqlite"):
        release = await _hold_sqlite_write_lock(make_url(database_url).database or "", seconds=1.0)
    else:
        release = _kill_pg_connections(database_url)
    answers = await asyncio.gather(
        *(bot.slack_command("ping", user=f"ULOCK{n}", channel=f"DL{n}") for n in range(3))
    )
    assert [a.status for a in answers] == [200, 200, 200]
    acks = [json.dumps(await a.json(), ensure_ascii=False) for a in answers]
    # in the ack, or (when the wait outlasted the ack budget) after "working…" through response_url
    waited = sum("처리 중" in ack for ack in acks)
    later = await eventually(lambda: len(bot.slack.responses()) >= waited) and bot.slack.responses()
    answered = acks + [json.dumps(r, ensure_ascii=False) for r in later]
    assert sum("pong" in body.lower() for body in answered) == 3, answered
    await asyncio.to_thread(release.join)
    ready = await bot.client.get("/readyz")
    assert ready.status == 200
    from commands.invocation import Platform

    for n in range(3):  # every conversation was remembered: nothing was dropped
        assert await bot.container.services.targets.find(Platform.SLACK, "T1", f"DL{n}") is not None
    assert problems.all() == []


async def _hold_sqlite_write_lock(path: str, seconds: float) -> threading.Thread:
    locked = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")  # waits for the bot's own writes to finish
        locked.set()
        threading.Event().wait(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert await asyncio.to_thread(locked.wait, 30)  # the loop must keep serving the bot meanwhile
    return thread


def _kill_pg_connections(url: str) -> threading.Thread:
    import psycopg

    name = make_url(url).database
    admin = (
        make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )

    def kill() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    thread.join()
    return thread
