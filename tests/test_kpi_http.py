"""KPI summaries through the real bot over HTTP: Slack slash command and Teams message, scope on the server."""

from __future__ import annotations

import json

from tests.fixtures.bot import BotHarness
from tests.fixtures.schemas import validate_adaptive_card, validate_block_kit
from tests.test_approvals_journey import link_slack, link_teams

CEO = "1998001"
SAL1_MEMBER = "2016001"


async def test_kpi_sales_this_month_on_slack_and_teams(bot: BotHarness) -> None:
    await link_slack(bot, "UCEO", CEO)
    body = await (await bot.slack_command("매출 이번달", command="/kpi", user="UCEO")).json()
    validate_block_kit(body)
    text = json.dumps(body, ensure_ascii=False)
    assert "매출" in text and ("원" in text or "억" in text)

    await link_teams(bot, "29:ceo", CEO)
    await bot.teams_message(
        "kpi sales this-month",
        locale="en-US",
        **{
            "from": {"id": "29:ceo", "name": "CEO"},
            "conversation": {"id": "a:dm-29:ceo", "conversationType": "personal", "tenantId": "tenant-1"},
        },
    )
    activity = bot.connector.activities()[-1]
    card = activity["attachments"][0]["content"]
    validate_adaptive_card(card)
    assert any(str(e.get("type", "")).startswith("Chart.") for e in card["body"]), "Teams gets a chart"


async def test_kpi_scope_is_decided_on_the_server(bot: BotHarness) -> None:
    await link_slack(bot, "UMEMBER", SAL1_MEMBER)
    body = await (await bot.slack_command("receivables", command="/kpi", user="UMEMBER")).json()
    text = json.dumps(body, ensure_ascii=False)
    assert "원" not in text and "억" not in text  # no figure leaks
    listing = await (await bot.slack_command("", command="/kpi", user="UMEMBER")).json()
    assert "미수금" not in json.dumps(listing, ensure_ascii=False)
