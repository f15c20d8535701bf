"""One `decided` audit record per real decision, however often it reaches the ERP: concurrent identical
clicks that all pass the first checks, and a queued decision sent again after the user's second click
already made it. The ERP replays the first answer to a repeated idempotency key; the audit log must not
count the replay as another decision."""

from __future__ import annotations

import asyncio
import json

from commands.ports.audit import AuditEvent, AuditRecord
from tests.fixtures.erp_proxy import ErpBehindProxyFactory
from tests.fixtures.reliability import Problems
from tests.test_approvals_journey import TEAM_HEAD, link_teams

QUEUED = "ERP가 응답하면 전송"  # approval.queued (ko)
HEAD_DM = {
    "from": {"id": "29:head", "name": "류수아"},
    "conversation": {"id": "a:dm-29:head", "conversationType": "personal", "tenantId": "tenant-1"},
}


def _decided(records: list[AuditRecord]) -> list[AuditRecord]:
    return [r for r in records if r.event is AuditEvent.DECIDED]


async def test_identical_clicks_that_all_pass_the_checks_are_audited_once(
    erp_behind_proxy: ErpBehindProxyFactory, problems: Problems
) -> None:
    # Every ERP call about the item is answered late, so each click reads the item while it is still
    # pending; then every click posts the same decision: the ERP decides once and replays the rest.
    faults = await erp_behind_proxy(delay=0.3, timeout_seconds=5)
    bot, proxy = faults.bot, faults.proxy
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await faults.create_item()
    proxy.paths, proxy.mode = (f"/v1/approvals/{item['id']}",), "timeout"
    data = {"item": item["id"], "v": str(item["version"])}
    responses = await asyncio.gather(
        *(bot.teams_execute("approval.decide.approve", data, **HEAD_DM) for _ in range(3))
    )
    assert [r.status for r in responses] == [200] * 3
    final = await bot.container.services.erp.get_approval(item["id"])
    assert final.status == "approved" and [s.decided_by for s in final.steps].count(TEAM_HEAD) == 1
    records = await bot.container.services.audit.list(item_id=item["id"])
    assert AuditEvent.DECISION_REFUSED not in {r.event for r in records}  # every click reached the ERP
    [decided] = _decided(records)
    assert (decided.actor_employee_no, decided.action, decided.outcome) == (TEAM_HEAD, "approve", "approved")
    assert problems.all() == []


async def test_a_queued_decision_the_user_made_again_meanwhile_is_audited_once(
    erp_behind_proxy: ErpBehindProxyFactory, problems: Problems
) -> None:
    faults = await erp_behind_proxy()
    bot, proxy = faults.bot, faults.proxy
    await link_teams(bot, "29:head", TEAM_HEAD)
    item = await faults.create_item()
    data = {"item": item["id"], "v": str(item["version"])}
    proxy.paths, proxy.mode = (f"/v1/approvals/{item['id']}/decisions",), "5xx"  # nothing reaches the ERP
    first = await bot.teams_execute("approval.decide.approve", data, **HEAD_DM)
    assert QUEUED in json.dumps(await first.json(), ensure_ascii=False)
    proxy.mode = "ok"
    await bot.teams_execute("approval.decide.approve", data, **HEAD_DM)  # the same click, made now
    services = bot.container.services
    [queued] = await services.decisions.pending_for_item(item["id"])
    await services.decisions.mark(queued.idempotency_key, "pending", next_attempt_at=services.clock.now())
    assert bot.container.decision_sender is not None
    await bot.container.decision_sender.run_once()  # same key: the ERP replays its first answer
    assert await services.decisions.pending_for_item(item["id"]) == []
    final = await services.erp.get_approval(item["id"])
    assert final.status == "approved" and [s.decided_by for s in final.steps].count(TEAM_HEAD) == 1
    [decided] = _decided(await services.audit.list(item_id=item["id"]))
    assert decided.detail["idempotency_key"] == queued.idempotency_key
    assert "queued" not in decided.detail  # the record of the click that made it stays the only one
    assert problems.all() == []
