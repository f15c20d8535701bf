"""Scans against the demo groupware over HTTP: grouping, once-only across rescans and restarts, quiet hours,
due-date changes, done/deleted tasks, escalation once, and delivery of the card to Teams."""

from __future__ import annotations

from datetime import timedelta

import httpx

from commands.features.nudges import NudgeScanner
from jobs.delivery import DeliveryWorker
from tests.fixtures.nudges import ASSIGNEE, MANAGER, OTHER, NudgeEnv, kst, teams_card, text_of
from tests.fixtures.platforms import FakeBotConnector
from tests.fixtures.schemas import validate_adaptive_card


async def test_several_due_tasks_make_one_card(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])  # tomorrow: 1 business day before
    env.add_task("계약서 검토", kst(2026, 9, 11, 18), [ASSIGNEE])  # 2 days: the 3-days step came
    env.add_task("출장 보고서", kst(2026, 9, 7, 18), [ASSIGNEE])  # overdue
    env.add_task("내년 계획", kst(2026, 9, 30, 18), [ASSIGNEE])  # far away
    env.add_task("다른 사람 일", kst(2026, 9, 10, 18), [OTHER])  # OTHER has no chat account
    env.at(kst(2026, 9, 9, 9, 5))

    report = await env.scan()

    messages = await env.messages_to(ASSIGNEE)
    assert len(messages) == 1 and report.cards == 1 and report.unreachable == 1
    text = text_of(messages[0])
    for title in ("견적서 회신", "계약서 검토", "출장 보고서"):
        assert title in text
    assert "내년 계획" not in text and "다른 사람 일" not in text
    assert "내일 마감" in text and "2일 지남" in text and "9월 10일 (목) 18:00" in text
    validate_adaptive_card(teams_card(messages[0]))


async def test_rescans_and_restarts_never_repeat_a_step(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 14, 18), [ASSIGNEE])  # Monday
    env.at(kst(2026, 9, 9, 9, 1))  # Wednesday: 3 business days before
    assert (await env.scan()).cards == 1
    assert (await env.scan()).cards == 0  # rescan
    env.at(kst(2026, 9, 9, 15))
    assert (await NudgeScanner(env.services, env.feature).scan(env.source)).cards == 0  # a new process
    env.at(kst(2026, 9, 11, 9, 0))  # Friday: 1 business day before
    assert (await env.scan()).cards == 1
    env.at(kst(2026, 9, 12, 10))  # Saturday: nothing
    env.at(kst(2026, 9, 13, 10))
    assert (await env.scan()).cards == 0
    env.at(kst(2026, 9, 14, 9, 0))
    assert (await env.scan()).cards == 1
    steps = [m["delivery_key"] for m in await env.messages_to(ASSIGNEE)]
    assert len(steps) == len(set(steps)) == 3


async def test_quiet_hours_hold_the_nudge_until_0800(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    reply = await env.command(caller, "nudges settings morning 07:00")
    assert "07:00" in str(reply)
    env.at(kst(2026, 9, 9, 7, 30))
    assert (await env.scan()).cards == 0  # the step came at 07:00, but 19:00–08:00 is quiet: it waits
    env.at(kst(2026, 9, 9, 7, 59))
    assert (await env.scan()).cards == 0
    env.at(kst(2026, 9, 9, 8, 0))
    assert (await env.scan()).cards == 1
    assert "견적서 회신" in text_of((await env.messages_to(ASSIGNEE))[0])


async def test_evening_and_weekend_hold_until_monday_morning(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.at(kst(2026, 9, 11, 20))  # Friday evening: a task due Monday is created
    env.add_task("급한 일", kst(2026, 9, 14, 18), [ASSIGNEE])
    assert (await env.scan()).cards == 0
    env.at(kst(2026, 9, 12, 10))
    assert (await env.scan()).cards == 0
    env.at(kst(2026, 9, 14, 8, 0))
    assert (await env.scan()).cards == 1  # the 1-day-before step waited in quiet time: sent at 08:00


async def test_a_done_or_deleted_task_stops_the_ladder(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    done = env.add_task("끝낸 일", kst(2026, 9, 14, 18), [ASSIGNEE], cls="closed")
    gone = env.add_task("지울 일", kst(2026, 9, 14, 18), [ASSIGNEE])
    env.groupware.query("DELETE FROM post_to WHERE post_id = ?", (gone,))
    env.groupware.query("DELETE FROM posts WHERE id = ?", (gone,))
    env.at(kst(2026, 9, 11, 9))
    assert (await env.scan()).cards == 0
    assert done


async def test_a_changed_due_date_starts_the_ladder_again(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    post = env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    assert (await env.scan()).cards == 1  # b1 for 9/10
    project_id, _ = env.project()
    async with httpx.AsyncClient(
        base_url=env.groupware.base_url, headers={"Authorization": f"dooray-api {env.groupware.token}"}
    ) as http:
        response = await http.post(
            f"/admin/v1/projects/{project_id}/posts/{post}/due-date",
            json={"dueDate": "2026-09-09T18:00:00+09:00"},
        )
        response.raise_for_status()
    assert (await env.scan()).cards == 1  # due today now: a new ladder (new due date, new keys)
    keys = [m["delivery_key"] for m in await env.messages_to(ASSIGNEE)]
    assert len(set(keys)) == 2
    assert (await env.scan()).cards == 0


async def test_escalation_to_the_manager_happens_once(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    await env.link(MANAGER)
    env.add_task("밀린 보고서", kst(2026, 9, 3, 18), [ASSIGNEE])  # Thursday
    env.at(kst(2026, 9, 7, 9, 5))  # 2 business days late: no escalation yet
    await env.scan()
    assert await env.messages_to(MANAGER) == []
    env.at(kst(2026, 9, 8, 9, 5))  # 3 business days late
    await env.scan()
    escalations = await env.messages_to(MANAGER)
    assert len(escalations) == 1
    text = text_of(escalations[0])
    assert "밀린 보고서" in text and "영업일 기준 3일" in text and "기한이 지난 팀 업무 1건" in text
    for day in (9, 10, 11):
        env.at(kst(2026, 9, day, 9, 5))
        await env.scan()
    assert len(await env.messages_to(MANAGER)) == 1  # once, while the assignee hears every day
    assert len(await env.messages_to(ASSIGNEE)) == 5


async def test_the_card_reaches_teams(nudge_env: NudgeEnv, fake_connector: FakeBotConnector) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    await env.scan()
    worker: DeliveryWorker = env.delivery.worker()
    env.delivery.clock.set(env.clock.now() + timedelta(seconds=1))
    await worker.run_once()
    posted = [c for c in fake_connector.calls if c.method == "POST" and "a:dm-2015003" in c.path]
    assert posted and "견적서 회신" in str(posted[-1].body)
