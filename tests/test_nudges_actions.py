"""Clicks on a nudge card through the real dispatcher: Done writes back to the demo groupware, Snooze holds
the task until the chosen time, only assignees may press either; `nudges` and `nudges settings`."""

from __future__ import annotations

from commands.cards import Text
from commands.features.nudges.cards import DONE_ACTION, SNOOZE_ACTION
from tests.fixtures.nudges import ASSIGNEE, MANAGER, NudgeEnv, buttons, kst, text_of


async def _nudged(env: NudgeEnv, title: str = "견적서 회신") -> tuple[str, dict[str, object]]:
    post = env.add_task(title, kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    await env.scan()
    return post, (await env.messages_to(ASSIGNEE))[-1]


async def test_done_writes_back_to_the_groupware_and_updates_the_card(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    post, message = await _nudged(env)
    [data] = buttons(message, DONE_ACTION)  # type: ignore[arg-type]

    result = await env.click(caller, DONE_ACTION, data)

    assert env.workflow_class(post) == "closed"
    assert "완료 처리했습니다" in result.notice
    assert result.update is not None
    texts = [e.text for e in result.update.elements if isinstance(e, Text)]
    assert any("완료 처리했습니다" in text for text in texts)
    assert buttons_in(result.update, DONE_ACTION) == []  # no Done button left for it
    env.at(kst(2026, 9, 10, 9, 1))
    assert (await env.scan()).cards == 0  # closed: the ladder stopped
    again = await env.click(caller, DONE_ACTION, data)
    assert "이미 완료된 업무" in again.notice


async def test_only_an_assignee_may_press_done_or_snooze(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    await env.link(ASSIGNEE)
    stranger = await env.link(MANAGER)
    post, message = await _nudged(env)
    [data] = buttons(message, DONE_ACTION)  # type: ignore[arg-type]
    result = await env.click(stranger, DONE_ACTION, data)
    assert "담당자만" in result.notice and result.update is None
    assert env.workflow_class(post) == "registered"
    snooze = buttons(message, SNOOZE_ACTION)[0]  # type: ignore[arg-type]
    assert "담당자만" in (await env.click(stranger, SNOOZE_ACTION, snooze)).notice
    forged = {**data, "t": "7700000000000000999"}
    caller = await env.link(ASSIGNEE)
    assert "찾을 수 없습니다" in (await env.click(caller, DONE_ACTION, forged)).notice


async def test_snooze_one_hour_then_the_task_comes_back(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    _, message = await _nudged(env)
    choice = next(b for b in buttons(message, SNOOZE_ACTION) if b["u"] == "1h")  # type: ignore[arg-type]

    result = await env.click(caller, SNOOZE_ACTION, choice)

    assert "다시 알려드릴게요" in result.notice and "10:01" in result.notice
    env.at(kst(2026, 9, 9, 9, 59))
    assert (await env.scan()).cards == 0
    env.at(kst(2026, 9, 9, 10, 1))
    assert (await env.scan()).cards == 1
    assert "견적서 회신" in text_of((await env.messages_to(ASSIGNEE))[-1])
    env.at(kst(2026, 9, 9, 11))
    assert (await env.scan()).cards == 0  # the snooze fired once


async def test_snooze_to_the_next_business_day_skips_chuseok(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    env.add_task("추석 전 마감", kst(2026, 9, 23, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 23, 9, 1))
    await env.scan()
    message = (await env.messages_to(ASSIGNEE))[-1]
    choice = next(b for b in buttons(message, SNOOZE_ACTION) if b["u"] == "nextbd")  # type: ignore[arg-type]
    result = await env.click(caller, SNOOZE_ACTION, choice)
    assert "9월 28일 (월) 09:00" in result.notice
    env.at(kst(2026, 9, 24, 9, 1))
    assert (await env.scan()).cards == 0  # o1 would be 9/28 anyway; nothing on the holiday
    env.at(kst(2026, 9, 28, 9, 1))
    assert (await env.scan()).cards == 1  # the snooze and the 1-day-overdue step: one card


async def test_nudges_lists_my_due_tasks(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.add_task("남의 일", kst(2026, 9, 10, 18), [MANAGER])
    env.at(kst(2026, 9, 9, 14))
    reply = await env.command(caller, "nudges")
    text = str(reply)
    assert "견적서 회신" in text and "남의 일" not in text and "내일 마감" in text


async def test_settings_are_stored_and_shown(nudge_env: NudgeEnv) -> None:
    env = nudge_env
    caller = await env.link(ASSIGNEE)
    reply = await env.command(caller, "nudges settings quiet 20:00-07:30 timezone Asia/Tokyo off")
    text = str(reply)
    assert "20:00–07:30" in text and "Asia/Tokyo" in text and "꺼짐" in text
    prefs = await env.feature.repo.user(ASSIGNEE)
    assert prefs.enabled is False and prefs.timezone == "Asia/Tokyo"
    bad = await env.command(caller, "nudges settings quiet 25:00-07:00")
    assert "19:00-08:00 처럼" in str(bad)
    env.add_task("견적서 회신", kst(2026, 9, 10, 18), [ASSIGNEE])
    env.at(kst(2026, 9, 9, 9, 1))
    assert (await env.scan()).cards == 0  # turned off
    await env.command(caller, "nudges settings reset")
    assert (await env.scan()).cards == 1


def buttons_in(card: object, action: str) -> list[object]:
    from commands.cards import Actions, Card

    assert isinstance(card, Card)
    return [b for e in card.elements if isinstance(e, Actions) for b in e.buttons if b.action == action]
