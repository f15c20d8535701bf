"""`digest` in a conversation: who may subscribe and unsubscribe, schedules in both languages, the
scheduler job each subscription becomes, list / history / preview."""

from __future__ import annotations

import json

import pytest

from commands.cards import Reply
from commands.features.kpi.schedule import crontab_weekdays, parse_schedule
from commands.invocation import ConversationKind
from commands.ports.kpi import ScheduleKind
from commands.ports.schedule import TriggerType
from tests.fixtures.kpi import KpiEnv, rendered


def text_of(reply: Reply) -> str:
    return reply.text + json.dumps([str(e) for c in reply.cards for e in c.elements], ensure_ascii=False)


async def test_a_manager_subscribes_the_channel_and_a_job_is_scheduled(kpi_env: KpiEnv) -> None:
    conv, target = await kpi_env.conversation("C-SALES")
    head = await kpi_env.caller(kpi_env.people.sal1_head)
    reply = await kpi_env.say(head, "digest subscribe 매출 수주 영업1팀 business-days 08:30", conv)
    rendered(reply.cards[0])
    assert "KPI 요약 #1" in reply.text and "2026-10-16 08:30 KST" in text_of(reply)
    [sub] = await kpi_env.feature.digests.for_target(target.id or 0)  # type: ignore[union-attr]
    assert (sub.metrics, sub.department, sub.schedule, sub.at) == (
        ("sales", "orders"),
        "SAL-1",
        ScheduleKind.BUSINESS_DAYS,
        "08:30",
    )
    assert (
        sub.business_days_only
        and sub.skip_if_empty
        and sub.created_by == kpi_env.people.sal1_head.employee_no
    )
    job = await kpi_env.feature.jobs.get("digest-1")  # type: ignore[union-attr]
    assert job is not None and job.kind == "digest" and job.trigger is TriggerType.CRON
    assert job.spec == {"hour": "8", "minute": "30", "day_of_week": "mon-fri"}
    assert job.business_days_only and job.timezone == "Asia/Seoul" and job.payload == {"subscription_id": 1}

    listing = await kpi_env.say(head, "digest list", conv)
    rendered(listing.cards[0])
    assert "#1 · sales, orders" in text_of(listing)
    history = await kpi_env.say(head, "digest history", conv)
    assert "아직 발송 기록이 없습니다" in text_of(history)

    stop = await kpi_env.say(head, "digest unsubscribe 1", conv)
    assert "구독을 해지했습니다" in stop.text
    assert await kpi_env.feature.jobs.get("digest-1") is None  # type: ignore[union-attr]
    assert await kpi_env.feature.digests.for_target(target.id or 0) == []  # type: ignore[union-attr]
    again = await kpi_env.say(head, "digest unsubscribe 1", conv)
    assert "#1 KPI 요약이 없습니다" in again.text


async def test_only_managers_executives_and_admins_manage_a_channels_digests(kpi_env: KpiEnv) -> None:
    conv, _ = await kpi_env.conversation("C-ALL")
    member = await kpi_env.caller(kpi_env.people.sal1_member)
    denied = await kpi_env.say(member, "digest subscribe sales daily 08:30", conv)
    assert denied.text == "이 채널의 KPI 요약은 팀장·임원·관리자만 구독하거나 해지할 수 있습니다."
    assert await kpi_env.feature.jobs.list() == []  # type: ignore[union-attr]
    admin = await kpi_env.caller(kpi_env.people.admin, locale="en")
    ok = await kpi_env.say(admin, "digest subscribe sales daily 08:30", conv)
    assert "Subscribed to KPI digest #1" in ok.text
    assert "팀장·임원·관리자만" in (await kpi_env.say(member, "digest unsubscribe 1", conv)).text
    assert "#1 · sales" in text_of(await kpi_env.say(member, "digest list", conv))  # anyone may look
    dm, _ = await kpi_env.conversation("D-MEMBER", kind=ConversationKind.PERSONAL)
    mine = await kpi_env.say(member, "digest subscribe 매출 매일 8시", dm)  # your own 1:1: allowed
    assert "#2" in mine.text


async def test_a_subscription_is_scoped_like_the_kpi_command(kpi_env: KpiEnv) -> None:
    conv, _ = await kpi_env.conversation("C-X")
    head = await kpi_env.caller(kpi_env.people.sal1_head)
    denied = await kpi_env.say(head, "digest subscribe 매출 영업2팀 daily 08:30", conv)
    assert denied.text == "영업2팀의 매출 KPI를 볼 권한이 없습니다."
    assert (
        "미수금 KPI를 볼 권한이 없습니다"
        in (await kpi_env.say(head, "digest subscribe 미수금 daily 9:00", conv)).text
    )


@pytest.mark.parametrize(
    ("words", "kind", "spec", "business", "skip", "tz"),
    [
        ("daily 08:30", ScheduleKind.DAILY, {"hour": "8", "minute": "30"}, False, True, "Asia/Seoul"),
        ("매일 오후 6시", ScheduleKind.DAILY, {"hour": "18", "minute": "0"}, False, True, "Asia/Seoul"),
        (
            "weekly mon,thu 09:00",
            ScheduleKind.WEEKLY,
            {"hour": "9", "minute": "0", "day_of_week": "mon,thu"},
            False,
            True,
            "Asia/Seoul",
        ),
        (
            "매주 월요일 7:05 영업일만",
            ScheduleKind.WEEKLY,
            {"hour": "7", "minute": "5", "day_of_week": "mon"},
            True,
            True,
            "Asia/Seoul",
        ),
        (
            "평일 08:30 always tz=America/New_York",
            ScheduleKind.BUSINESS_DAYS,
            {"hour": "8", "minute": "30", "day_of_week": "mon-fri"},
            True,
            False,
            "America/New_York",
        ),
        (
            'cron "30 8 * * 1-5"',
            ScheduleKind.CRON,
            {"minute": "30", "hour": "8", "day": "*", "month": "*", "day_of_week": "mon,tue,wed,thu,fri"},
            False,
            True,
            "Asia/Seoul",
        ),
        (
            "cron 0 9 1 * 0",
            ScheduleKind.CRON,
            {"minute": "0", "hour": "9", "day": "1", "month": "*", "day_of_week": "sun"},
            False,
            True,
            "Asia/Seoul",
        ),
    ],
)
async def test_schedules_become_cron_jobs(
    kpi_env: KpiEnv, words: str, kind: ScheduleKind, spec: dict[str, str], business: bool, skip: bool, tz: str
) -> None:
    conv, _ = await kpi_env.conversation("C-S")
    boss = await kpi_env.caller(kpi_env.people.executive)
    reply = await kpi_env.say(boss, f"digest subscribe 매출 {words}", conv)
    assert "#1" in reply.text, reply.text
    job = await kpi_env.feature.jobs.get("digest-1")  # type: ignore[union-attr]
    assert job is not None and job.spec == spec and job.business_days_only is business and job.timezone == tz
    sub = await kpi_env.feature.digests.get(1)  # type: ignore[union-attr]
    assert sub is not None and sub.schedule is kind and sub.skip_if_empty is skip


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("digest subscribe 매출", "일정을 입력해 주세요"),
        ("digest subscribe daily 08:30", "KPI를 하나 이상"),
        ("digest subscribe 매출 daily 25:00", "'25:00'은(는) 올바른 시각이 아닙니다"),
        ("digest subscribe 매출 weekly 09:00", "요일이 아닙니다"),
        ("digest subscribe 매출 cron 61 8 * * *", "cron 식"),
        ("digest subscribe 매출 cron 0 8 * *", "cron 식"),
        ("digest subscribe 매출 daily 08:30 tz=Mars/Base", "알 수 없는 시간대"),
        ("digest subscribe 매출 마케팅 daily 08:30", "'마케팅'을(를) 이해하지 못했습니다"),
        ("digest frobnicate", "subscribe, list"),
        ("digest history", "요약 번호를 입력해 주세요"),
    ],
)
async def test_bad_subscriptions_get_usage(kpi_env: KpiEnv, words: str, message: str) -> None:
    conv, _ = await kpi_env.conversation("C-B")
    reply = await kpi_env.say(await kpi_env.caller(kpi_env.people.executive), words, conv)
    assert message in reply.text, reply.text
    assert await kpi_env.feature.jobs.list() == []  # type: ignore[union-attr]


def test_crontab_weekdays_are_translated_for_apscheduler() -> None:
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("0,6") == "sat,sun"
    assert crontab_weekdays("7") == "sun"
    assert crontab_weekdays("5-1") == "mon,fri,sat,sun"
    assert crontab_weekdays("*/2") == "tue,thu,sat,sun"
    assert crontab_weekdays("mon-wed") == "mon,tue,wed"
    assert parse_schedule(["weekly", "월수금", "9:00"], "Asia/Seoul").weekdays == ("mon", "wed", "fri")


async def test_preview_shows_the_channel_what_it_will_get(kpi_env: KpiEnv) -> None:
    conv, _ = await kpi_env.conversation("C-P")
    boss = await kpi_env.caller(kpi_env.people.executive)
    await kpi_env.say(boss, "digest subscribe 매출 재고 미수금 daily 08:30", conv)
    preview = await kpi_env.say(boss, "digest preview", conv)
    [card] = preview.cards
    rendered(card)
    assert "미리보기" in text_of(preview) and "요약 #1" in text_of(preview)
    adhoc = await kpi_env.say(boss, "digest preview 수주", conv)
    assert "수주" in text_of(adhoc) and await kpi_env.feature.digests.get(2) is None  # type: ignore[union-attr]
