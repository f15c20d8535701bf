"""The approval journey end to end: ERP webhook → card at the platform → click → ERP decision → cards
updated → requester told → next approver's card. Real demo ERP over HTTP, real SDK paths, fake platforms."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from commands.invocation import Caller, Platform
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import eventually
from tests.fixtures.schemas import validate_adaptive_card, validate_block_kit

TEAM_HEAD = "2009002"  # 류수아, 영업2팀장
DIVISION_HEAD = "2006002"  # 영업본부장
REQUESTER = "2015003"  # 안건우, 영업2팀
ABSENT_HEAD = "2015002"  # 박시우, 영업1팀장, away; 이지윤 acts
ACTING = "2011002"
SAL1_MEMBER = "2016001"


async def link_teams(bot: BotHarness, user_id: str, employee_no: str, locale: str = "ko-KR") -> None:
    """The user says hello (so the bot knows their 1:1 chat) and is linked to the employee."""
    services = bot.container.services
    await services.identities.remember(Caller(Platform.TEAMS, user_id, "tenant-1", "x", "", "", locale[:2]))
    await services.identities.link(Platform.TEAMS, "tenant-1", user_id, employee_no, "manual")
    await bot.teams_message(
        "ping",
        **{
            "from": {"id": user_id, "name": "x"},
            "locale": locale,
            "conversation": {"id": f"a:dm-{user_id}", "conversationType": "personal", "tenantId": "tenant-1"},
        },
    )


async def link_slack(bot: BotHarness, user_id: str, employee_no: str) -> None:
    services = bot.container.services
    await services.identities.remember(Caller(Platform.SLACK, user_id, "T1", "x", "", "", "ko"))
    await services.identities.link(Platform.SLACK, "T1", user_id, employee_no, "manual")


async def create_item(bot: BotHarness, requester: str, amount: int, kind: str = "expense") -> dict[str, Any]:
    backends = bot.container.backends
    async with httpx.AsyncClient(
        base_url=backends.demo_erp_url, headers={"X-API-Key": backends.demo_erp_api_key}
    ) as http:
        response = await http.post(
            "/v1/approvals",
            json={
                "type": kind,
                "title": "고객 접대비 <!channel> *정산*",
                "requester_employee_no": requester,
                "amount": amount,
                "currency": "KRW",
                "lines": [{"description": "식대", "quantity": 1, "unit_price": amount, "amount": amount}],
            },
        )
        response.raise_for_status()
        return dict(response.json())


def teams_cards_to(bot: BotHarness, conversation_id: str, item_id: str) -> list[dict[str, Any]]:
    """Cards about one item posted into a conversation (the poller may send others for seeded items)."""
    cards = [
        a["content"]
        for c in bot.connector.calls
        if c.method == "POST" and conversation_id in c.path
        for a in c.body.get("attachments") or []
    ]
    return [card for card in cards if item_id in json.dumps(card, ensure_ascii=False)]


def execute_data(card: dict[str, Any], verb_prefix: str) -> tuple[str, dict[str, str]]:
    for block in card["body"]:
        for action in block.get("actions", []) if block["type"] == "ActionSet" else []:
            if action.get("verb", "").startswith(verb_prefix):
                return action["verb"], {k: v for k, v in action["data"].items() if k != "action"}
    raise AssertionError(f"no {verb_prefix} button in card")


async def test_whole_journey_on_teams_and_slack(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    await link_teams(bot, "29:division", DIVISION_HEAD)
    await link_slack(bot, "UREQ", REQUESTER)
    item = await create_item(bot, REQUESTER, 2_000_000)

    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    assert cards, "the approver's card never arrived"
    card = cards[-1]
    validate_adaptive_card(card)
    text = json.dumps(card, ensure_ascii=False)
    assert item["id"] in text and "2,000,000원" in text and "<!channel>" in text  # shown literally
    verb, data = execute_data(card, "approval.decide.approve")

    response = await bot.teams_execute(
        verb,
        data,
        **{
            "from": {"id": "29:head", "name": "류수아"},
            "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-1"},
        },
    )
    body = await response.json()
    assert response.status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    validate_adaptive_card(body["value"])

    # the next approver (전결 by amount at division level) gets a card
    next_cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:division", item["id"]), limit=10)
    verb, data = execute_data(next_cards[-1], "approval.decide.approve")
    await bot.teams_execute(
        verb,
        data,
        **{
            "from": {"id": "29:division", "name": "본부장"},
            "conversation": {
                "id": "a:dm-29:division",
                "conversationType": "personal",
                "tenantId": "tenant-1",
            },
        },
    )

    final = await bot.container.services.erp.get_approval(item["id"])
    assert final.status == "approved"
    # the requester hears about it on Slack
    posts = await eventually(
        lambda: [
            p
            for p in bot.slack.method_calls("chat.postMessage")
            if item["id"] in json.dumps(p, ensure_ascii=False) and "승인" in json.dumps(p, ensure_ascii=False)
        ],
        limit=10,
    )
    assert posts
    blocks = posts[-1]["blocks"]
    validate_block_kit(
        {"text": posts[-1]["text"], "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
    )
    # the first approver's card was updated for everyone
    updates = await eventually(
        lambda: [c for c in bot.connector.updates() if "a:dm-29:head" in c.path], limit=10
    )
    assert updates


async def test_fifty_concurrent_clicks_make_one_decision(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await create_item(bot, REQUESTER, 100_000)  # team head decides finally (전결)
    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    verb, data = execute_data(cards[-1], "approval.decide.approve")
    sender = {
        "from": {"id": "29:head", "name": "류수아"},
        "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-1"},
    }
    responses = await asyncio.gather(*(bot.teams_execute(verb, data, **sender) for _ in range(50)))
    assert all(r.status == 200 for r in responses)
    final = await bot.container.services.erp.get_approval(item["id"])
    decided = [s for s in final.steps if s.decided_by == TEAM_HEAD]
    assert final.status == "approved" and len(decided) == 1
    records = await bot.container.services.audit.list(item_id=item["id"])
    assert len([r for r in records if r.event == "decided"]) == 1  # replayed answers are not decisions


async def test_non_approver_click_changes_nothing(bot: BotHarness) -> None:
    await link_teams(bot, "29:head", TEAM_HEAD)
    await link_teams(bot, "29:intruder", SAL1_MEMBER)
    item = await create_item(bot, REQUESTER, 100_000)
    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:head", item["id"]), limit=10)
    verb, data = execute_data(cards[-1], "approval.decide.approve")
    response = await bot.teams_execute(verb, data, **{"from": {"id": "29:intruder", "name": "x"}})
    body = await response.json()
    assert "차례가 아닙니다" in json.dumps(body, ensure_ascii=False)
    current = await bot.container.services.erp.get_approval(item["id"])
    assert current.status == "pending" and current.version == item["version"]


async def test_acting_approver_decides_for_absent_head(bot: BotHarness) -> None:
    await link_slack(bot, "UACT", ACTING)
    item = await create_item(bot, SAL1_MEMBER, 300_000)  # 박시우 (away) decides finally; 이지윤 acts
    posts = await eventually(
        lambda: [
            p
            for p in bot.slack.method_calls("chat.postMessage")
            if item["id"] in json.dumps(p, ensure_ascii=False)
        ],
        limit=10,
    )
    blocks = json.loads(posts[-1]["blocks"]) if isinstance(posts[-1]["blocks"], str) else posts[-1]["blocks"]
    assert "대결" in json.dumps(blocks, ensure_ascii=False)
    button = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("approval.decide.approve")
    )
    await bot.slack_click({**button, "block_id": "b", "action_ts": "1"}, user="UACT", channel="DUACT")
    for _ in range(100):
        final = await bot.container.services.erp.get_approval(item["id"])
        if final.status == "approved":
            break
        await asyncio.sleep(0.05)
    assert final.status == "approved"
    step = next(s for s in final.steps if s.decided_by == ACTING)
    assert step.acting_for == ABSENT_HEAD
    records = await bot.container.services.audit.list(item_id=item["id"])
    decided = [r for r in records if r.event == "decided"]
    assert decided and decided[0].on_behalf_of == ABSENT_HEAD and decided[0].platform == "slack"
