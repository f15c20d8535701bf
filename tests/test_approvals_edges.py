"""Approvals off the happy path: ERP outage, reject with a reason (Slack modal), stale cards, signed
webhooks, refresh views, commands, delegation."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from zoneinfo import ZoneInfo

import httpx

from adapters.erp.webhook import sign_webhook
from commands.ports.audit import AuditEvent
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import eventually
from tests.fixtures.schemas import validate_adaptive_card, validate_block_kit, validate_slack_view
from tests.test_approvals_journey import (
    ACTING,
    REQUESTER,
    SAL1_MEMBER,
    TEAM_HEAD,
    create_item,
    execute_data,
    link_slack,
    link_teams,
    teams_cards_to,
)

HEAD_DM = {
    "from": {"id": "29:head", "name": "류수아"},
    "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-1"},
}


def _slack_posts_about(bot: BotHarness, item_id: str) -> list[dict]:
    return [
        p for p in bot.slack.method_calls("chat.postMessage") if item_id in json.dumps(p, ensure_ascii=False)
    ]


def _blocks(post: dict) -> list[dict]:
    return json.loads(post["blocks"]) if isinstance(post["blocks"], str) else post["blocks"]


async def test_erp_down_during_click_is_queued_then_delivered_once(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)
    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    verb, data = execute_data(cards[-1], "approval.decide.approve")
    demo = bot.container.backends.demo_erp
    await demo.stop()
    try:
        response = await bot.teams_execute(verb, data, **HEAD_DM)
        body = await response.json()
        assert "ERP가 응답하면 전송" in json.dumps(body, ensure_ascii=False)
        assert bot.container.decision_sender is not None
        assert await bot.container.decision_sender.run_once() == 0  # still down: stays queued
    finally:
        await demo.start()
    decisions = bot.container.services.decisions
    queued = await decisions.pending_for_item(item["id"])
    assert len(queued) == 1
    # the retry is due after its backoff; send it now as the periodic loop would
    await decisions.mark(
        queued[0].idempotency_key, "pending", next_attempt_at=bot.container.services.clock.now()
    )
    assert await bot.container.decision_sender.run_once() == 1
    assert await bot.container.decision_sender.run_once() == 0  # never twice
    final = await bot.container.services.erp.get_approval(item["id"])
    assert final.status == "approved" and [s.decided_by for s in final.steps].count(TEAM_HEAD) == 1
    events = [r.event for r in await bot.container.services.audit.list(item_id=item["id"])]
    assert AuditEvent.DECISION_QUEUED in events and AuditEvent.DECIDED in events


async def test_reject_on_slack_asks_reason_in_modal_and_tells_requester(bot: BotHarness) -> None:
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    await link_slack(bot, "UREQ", REQUESTER)
    item = await create_item(bot, REQUESTER, 100_000)
    posts = await eventually(lambda: _slack_posts_about(bot, item["id"]), limit=10)
    blocks = _blocks(posts[-1])
    validate_block_kit({"text": posts[-1]["text"], "blocks": blocks})
    reject = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("approval.decide.reject")
    )
    await bot.slack_click({**reject, "block_id": "b", "action_ts": "1"}, user="UHEAD", channel="DHEAD")
    opened = await eventually(lambda: bot.slack.method_calls("views.open"), limit=10)
    view = json.loads(opened[-1]["view"]) if isinstance(opened[-1]["view"], str) else opened[-1]["view"]
    validate_slack_view(view)
    assert (await bot.container.services.erp.get_approval(item["id"])).status == "pending"  # nothing yet
    input_block = next(b for b in view["blocks"] if b["type"] == "input")
    submission = {
        "type": "view_submission",
        "user": {"id": "UHEAD", "team_id": "T1"},
        "team": {"id": "T1"},
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    input_block["block_id"]: {
                        input_block["element"]["action_id"]: {
                            "type": "plain_text_input",
                            "value": "예산 초과 <!here>",
                        }
                    }
                }
            },
        },
    }
    await bot.slack_post(
        urllib.parse.urlencode({"payload": json.dumps(submission)}), "application/x-www-form-urlencoded"
    )
    for _ in range(200):
        final = await bot.container.services.erp.get_approval(item["id"])
        if final.status == "rejected":
            break
        await asyncio.sleep(0.05)
    assert final.status == "rejected"
    assert any(s.comment == "예산 초과 <!here>" for s in final.steps)
    told = await eventually(
        lambda: [p for p in _slack_posts_about(bot, item["id"]) if p["channel"] == "DUREQ"], limit=10
    )
    text = json.dumps(told[-1], ensure_ascii=False)
    assert "예산 초과" in text and "<!here>" not in text  # escaped for Slack


async def test_stale_card_click_answers_with_current_state(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)
    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    verb, data = execute_data(cards[-1], "approval.decide.approve")
    await bot.teams_execute(verb, data, **HEAD_DM)
    hold_verb = verb.replace("approve", "hold")
    again = await (await bot.teams_execute(hold_verb, data, **HEAD_DM)).json()
    text = json.dumps(again, ensure_ascii=False)
    assert "이미 처리된" in text or "최종 승인" in text
    final = await bot.container.services.erp.get_approval(item["id"])
    assert final.status == "approved"


async def test_webhook_with_bad_signature_is_refused(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    body = json.dumps(
        {
            "event_id": "e1",
            "type": "approval.created",
            "item_id": "EX-2026-0001",
            "version": 1,
            "occurred_at": "2026-11-21T00:00:00Z",
        }
    ).encode()
    ts = int(time.time())
    bad = await bot.client.post(
        "/erp/webhook",
        data=body,
        headers={"X-ERP-Timestamp": str(ts), "X-ERP-Signature": sign_webhook("wrong-secret", ts, body)},
    )
    stale = await bot.client.post(
        "/erp/webhook",
        data=body,
        headers={
            "X-ERP-Timestamp": str(ts - 900),
            "X-ERP-Signature": sign_webhook(bot.container.backends.erp_webhook_secret, ts - 900, body),
        },
    )
    unsigned = await bot.client.post("/erp/webhook", data=body)
    assert (bad.status, stale.status, unsigned.status) == (401, 401, 401)
    good = await bot.client.post(
        "/erp/webhook",
        data=body,
        headers={
            "X-ERP-Timestamp": str(ts),
            "X-ERP-Signature": sign_webhook(bot.container.backends.erp_webhook_secret, ts, body),
        },
    )
    assert good.status == 202


async def test_refresh_gives_buttons_only_to_the_approver(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    await link_teams(bot, "29:other", SAL1_MEMBER)
    item = await create_item(bot, REQUESTER, 100_000)
    mine = await (await bot.teams_execute("approval.refresh", {"item": item["id"]}, **HEAD_DM)).json()
    theirs = await (
        await bot.teams_execute(
            "approval.refresh", {"item": item["id"]}, **{"from": {"id": "29:other", "name": "x"}}
        )
    ).json()
    validate_adaptive_card(mine["value"])
    validate_adaptive_card(theirs["value"])
    assert "approval.decide.approve" in json.dumps(mine) and "approval.decide.approve" not in json.dumps(
        theirs
    )
    viewed = [
        r
        for r in await bot.container.services.audit.list(item_id=item["id"])
        if r.event == AuditEvent.CARD_VIEWED
    ]
    assert {r.actor_employee_no for r in viewed} == {TEAM_HEAD, SAL1_MEMBER}


async def test_approvals_command_lists_and_guards_items(bot: BotHarness) -> None:
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    await link_slack(bot, "UOUT", SAL1_MEMBER)
    item = await create_item(bot, REQUESTER, 100_000)
    listing = await (await bot.slack_command("", command="/approvals", user="UHEAD")).json()
    validate_block_kit(listing)
    assert item["id"] in json.dumps(listing)
    help_body = await (await bot.slack_command("help", user="UHEAD")).json()
    assert "결재 대기" in json.dumps(help_body, ensure_ascii=False)
    denied = await (await bot.slack_command(f"approvals {item['id']}", user="UOUT")).json()
    assert "권한이 없습니다" in json.dumps(denied, ensure_ascii=False) and "2,000" not in json.dumps(denied)
    unlinked = await (await bot.slack_command("approvals", user="UNEW")).json()
    assert "link" in unlinked["text"]


async def test_delegate_sets_absence_and_acting_approver_gets_cards(bot: BotHarness) -> None:
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    await link_slack(bot, "UACT2", ACTING)
    today = bot.container.services.clock.now().astimezone(ZoneInfo("Asia/Seoul")).date()
    reply = await (await bot.slack_command(f"delegate {ACTING} {today} {today}", user="UHEAD")).json()
    assert "지정했습니다" in json.dumps(reply, ensure_ascii=False)
    head = await bot.container.services.erp.get_employee(TEAM_HEAD)
    assert head.absence is not None and head.absence.acting_employee_no == ACTING
    item = await create_item(bot, REQUESTER, 100_000)
    posts = await eventually(
        lambda: [
            p
            for p in bot.slack.method_calls("chat.postMessage")
            if item["id"] in json.dumps(p, ensure_ascii=False) and "대결" in json.dumps(p, ensure_ascii=False)
        ],
        limit=10,
    )
    assert posts
    bad = await (await bot.slack_command("delegate nobody 2026-13-01 2026-12-01", user="UHEAD")).json()
    assert "YYYY-MM-DD" in json.dumps(bad)


async def test_demo_api_rejects_requests_without_key(bot: BotHarness) -> None:
    async with httpx.AsyncClient(base_url=bot.container.backends.demo_erp_url) as http:
        assert (await http.get("/v1/employees")).status_code == 401


async def test_erp_down_gives_a_short_message_in_the_users_language(bot: BotHarness) -> None:
    await link_slack(bot, "UHEAD", TEAM_HEAD)
    bot.slack.users["UEN"] = {"id": "UEN", "locale": "en-US", "profile": {}}
    await link_slack(bot, "UEN", ACTING)
    await bot.container.backends.demo_erp.stop()
    try:
        ack = await (await bot.slack_command("approvals", user="UHEAD")).json()

        def answered() -> str:  # in the ack, or through response_url when the ERP retries took longer
            return json.dumps([ack, *bot.slack.responses()], ensure_ascii=False)

        assert "ERP 시스템이 응답하지 않습니다" in await eventually(
            lambda: answered() if "응답하지 않습니다" in answered() else "", limit=15
        )
        helped = await (await bot.slack_command("help", user="UHEAD")).json()
        assert "ChatOps" in json.dumps(helped, ensure_ascii=False)  # help still works without the badge
    finally:
        await bot.container.backends.demo_erp.start()
