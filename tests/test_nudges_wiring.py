"""The nudge feature as the composition root wires it: the Dooray due-date webhook over real HTTP, the
scheduler kinds and seeded scan jobs (once per run across replicas), team escalation channels, the daily
channel roundup, and ERP approval items waiting too long."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.nudges import dooray_webhook_handler, ensure_nudge_jobs, install_nudges, nudge_job_kinds
from bot.settings_nudges import NudgeSettings
from commands.features.nudges import ErpApprovalSource, EscalateTo, NudgeScanner, RoundupRunner
from commands.invocation import Conversation, ConversationKind, Platform
from jobs.scheduler import Scheduler
from store.jobs import SqlJobRepository, SqlRunRepository
from tests.fixtures.nudges import ASSIGNEE, MANAGER, NudgeEnv, kst, text_of

TOKEN = "dooray-hook-secret-5e1f"


def container(env: NudgeEnv, **settings: Any) -> Any:
    """What bot/nudges.py reads from the Container (settings, services, db, scheduler, closers)."""
    nudges = NudgeSettings(_env_file=None, dooray_webhook_token=TOKEN, **settings)
    core = SimpleNamespace(timezone="Asia/Seoul")
    return SimpleNamespace(
        settings=SimpleNamespace(nudges=nudges, core=core), services=env.services, db=env.db, scheduler=None,
        closers=[],
    )  # fmt: skip


async def test_the_dooray_due_date_webhook_nudges_at_once(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    post = env.add_task("견적서 회신", kst(2026, 9, 30, 18), [ASSIGNEE])  # far away: nothing yet
    env.at(kst(2026, 9, 9, 10))
    box = container(env)
    app = web.Application()
    app.router.add_post("/dooray/webhook", dooray_webhook_handler(box))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        project_id, _ = env.project()
        hook_url = str(server.make_url("/dooray/webhook")) + f"?token={TOKEN}"
        headers = {"Authorization": f"dooray-api {env.groupware.token}"}
        async with httpx.AsyncClient(base_url=env.groupware.base_url, headers=headers) as http:
            added = await http.post(
                f"/project/v1/projects/{project_id}/hooks",
                json={"url": hook_url, "sendEvents": ["postDueDateChanged"]},
            )
            added.raise_for_status()
            moved = await http.post(
                f"/admin/v1/projects/{project_id}/posts/{post}/due-date",
                json={"dueDate": "2026-09-10T18:00:00+09:00"},
            )
            assert moved.json()["result"]["webhooksDelivered"] == 1
        messages = await _wait_for(env, ASSIGNEE)
        assert messages and "내일 마감" in text_of(messages[0])
        async with httpx.AsyncClient() as http:
            wrong = await http.post(str(server.make_url("/dooray/webhook")) + "?token=nope", json={})
            assert wrong.status_code == 401
            ignored = await http.post(hook_url, json={"hookEventType": "postCreated"})
            assert ignored.status_code == 200 and ignored.json() == {"ignored": True}
    finally:
        for close in box.closers:
            await close()
        await server.close()


async def _wait_for(env: NudgeEnv, employee_no: str, limit: float = 10.0) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        found = await env.messages_to(employee_no)
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.02)


async def test_scan_jobs_are_seeded_and_run_once_per_fire(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    box = container(env, erp_approvals=False, scan_interval_seconds=120)
    install_nudges(box)
    await ensure_nudge_jobs(box)
    jobs = SqlJobRepository(env.db, clock=env.clock)
    definition = await jobs.get("nudge-scan-dooray")
    assert (
        definition is not None
        and definition.spec == {"seconds": 120}
        and definition.payload == {"source": "dooray"}
    )
    schedulers = []
    for replica in ("a", "b"):
        scheduler = Scheduler(jobs, SqlRunRepository(env.db, clock=env.clock), env.clock, replica_id=replica)
        for kind, handler in nudge_job_kinds(box).items():
            scheduler.register_kind(kind, handler)
        schedulers.append(scheduler)
    fire = datetime(2026, 9, 9, 0, 2, tzinfo=UTC)
    outcomes = [await s.fire(definition, fire) for s in schedulers]
    assert sorted(str(o) for o in outcomes) == ["None", "success"]
    assert len(await env.messages_to(ASSIGNEE)) == 1


async def test_escalation_goes_to_the_team_channel_set_by_its_head(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    head = await env.link(MANAGER)  # 영업2팀장
    channel = await env.delivery.teams_target("19:sal2@thread.tacv2", user="")
    conversation = Conversation(Platform.TEAMS, channel.conversation_id, ConversationKind.CHANNEL, "tenant-1")
    reply = await env.command(
        head, "nudges team SAL-2 escalate here morning 08:30", conversation=conversation
    )
    assert "08:30" in str(reply) and "팀 채널로 보고" in str(reply)
    env.feature = dataclasses.replace(
        env.feature, config=dataclasses.replace(env.feature.config, escalate_to=EscalateTo.CHANNEL)
    )
    env.services.extras["nudges"] = env.feature
    env.add_task("밀린 보고서", kst(2026, 9, 3, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 8, 8, 35))  # the team's morning is 08:30
    await env.scan()
    posted = [m for m in await env.messages() if m["target_id"] == channel.id]
    assert len(posted) == 1 and "밀린 보고서" in text_of(posted[0]) and "안건우" in text_of(posted[0])
    outsider = await env.link("2016001")
    refused = await env.command(outsider, "nudges team SAL-2 escalate here", conversation=conversation)
    assert "부서장만" in str(refused)


async def test_daily_roundup_in_a_channel(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    head = await env.link(MANAGER)
    env.feature.jobs = SqlJobRepository(env.db, clock=env.clock)
    channel = await env.delivery.teams_target("19:sal2@thread.tacv2", user="")
    conversation = Conversation(Platform.TEAMS, channel.conversation_id, ConversationKind.CHANNEL, "tenant-1")
    env.add_task("오늘 마감 건", kst(2026, 9, 9, 18), [ASSIGNEE])
    env.add_task("지난 건", kst(2026, 9, 7, 18), [ASSIGNEE])
    env.add_task("다음 주 건", kst(2026, 9, 16, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 8))
    reply = await env.command(head, "nudges roundup SAL-2 09:00", conversation=conversation)
    assert "09:00" in str(reply)
    job = await env.feature.jobs.get("nudge-roundup-1")
    assert job is not None and job.business_days_only and job.spec == {"hour": "09", "minute": "00"}
    runner = RoundupRunner(env.services, env.feature)
    env.at(kst(2026, 9, 9, 9))
    assert await runner.run(1, kst(2026, 9, 9, 9)) is None
    assert (await runner.run(1, kst(2026, 9, 9, 9))) == "skipped: already posted today"
    [posted] = await env.messages("nudge-roundup:")
    text = text_of(posted)
    assert "오늘 마감 1건" in text and "기한 초과 1건" in text and "다음 주 건" not in text
    stopped = await env.command(head, "nudges roundup off", conversation=conversation)
    assert "중지" in str(stopped) and await env.feature.jobs.get("nudge-roundup-1") is None


async def test_erp_items_waiting_too_long_nudge_their_approver(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(MANAGER)  # EX-2026-0016 waits for 2009002, due 2026-03-23 (Mon)
    source = ErpApprovalSource(env.erp, env.feature.calendar)
    feature = dataclasses.replace(env.feature, sources=[env.source, source])
    env.clock.set(kst(2026, 3, 20, 9, 1))
    report = await NudgeScanner(env.services, feature).scan(source)
    assert report.cards == 1
    text = text_of((await env.messages_to(MANAGER))[0])
    assert "EX-2026-0016" in text and "ERP 결재에서 직접 완료" in text and "nudge.done" not in text


def test_nudge_settings_refuse_what_they_cannot_use() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in (
        {"ladder": "-3,soon"},
        {"quiet_hours": "19-08"},
        {"escalation_days": "5,3"},
        {"timezone": "Mars/Base"},
        {"morning": "9시"},
    ):
        with pytest.raises(ValidationError):
            NudgeSettings(_env_file=None, **bad)
    config = NudgeSettings(
        _env_file=None, quiet_hours="off", escalation_days="2,4", escalate_to="both"
    ).to_config("Asia/Seoul")
    assert not config.defaults.has_quiet_hours and config.escalation_days == (2, 4)
    assert config.escalate_to is EscalateTo.BOTH
