"""The bot caches employees (absences, acting approvers) for a short while; the ERP stays the authority.
A click decided on stale data is refused by the ERP, and a delegation made through the bot is seen at
once."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from adapters.erp import HttpErpClient
from commands.ports.audit import AuditEvent
from tests.fixtures.bot import BotHarness
from tests.fixtures.platforms import eventually
from tests.test_approvals_journey import (
    ABSENT_HEAD,
    ACTING,
    SAL1_MEMBER,
    create_item,
    execute_data,
    link_teams,
    teams_cards_to,
)

ACTING_DM = {
    "from": {"id": "29:acting", "name": "이지윤"},
    "conversation": {"id": "a:dm-29:acting", "conversationType": "personal", "tenantId": "tenant-1"},
}


async def test_an_absence_ended_in_the_erp_is_enforced_by_the_erp_despite_the_cache(bot: BotHarness) -> None:
    services = bot.container.services
    await link_teams(bot, "29:acting", ACTING)
    item = await create_item(bot, SAL1_MEMBER, 100_000)
    cards = await eventually(lambda: teams_cards_to(bot, "a:dm-29:acting", item["id"]), limit=10)
    verb, data = execute_data(cards[-1], "approval.decide.approve")
    head = await services.erp.get_employee(ABSENT_HEAD)  # cached: away, ACTING decides for them
    assert head.absence is not None and head.absence.acting_employee_no == ACTING

    # the head comes back; the ERP learns it directly, the bot's cache does not
    backends = bot.container.backends
    direct = HttpErpClient(backends.demo_erp_url, api_key=backends.demo_erp_api_key, employee_cache_seconds=0)
    try:
        await direct.clear_absence(ABSENT_HEAD)
    finally:
        await direct.aclose()
    assert (await services.erp.get_employee(ABSENT_HEAD)).absence is not None  # still the cached view

    response = await bot.teams_execute(verb, data, **ACTING_DM)
    body = await response.json()
    assert response.status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "approval.decide" not in json.dumps(body)  # the current state, no buttons: not a success
    final = await services.erp.get_approval(item["id"])
    assert final.status == "pending" and all(s.decided_by != ACTING for s in final.steps)
    events = [r.event for r in await services.audit.list(item_id=item["id"])]
    assert AuditEvent.DECISION_REFUSED in events and AuditEvent.DECIDED not in events


async def test_a_delegation_made_in_chat_is_seen_at_once(bot: BotHarness) -> None:
    services = bot.container.services
    today = services.clock.now().astimezone(ZoneInfo("Asia/Seoul")).date()
    await services.erp.get_employee(ABSENT_HEAD)  # cached with the seeded absence
    await services.erp.clear_absence(ABSENT_HEAD)
    assert (await services.erp.get_employee(ABSENT_HEAD)).absence is None
    await services.erp.set_absence(ABSENT_HEAD, today, today, ACTING)
    back = await services.erp.get_employee(ABSENT_HEAD)
    assert back.absence is not None and back.absence.acting_employee_no == ACTING
