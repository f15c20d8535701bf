"""`kpi` through the real dispatcher, the demo ERP over HTTP and the real renderers: what each person may
see, the card's figures against the ERP's own, denials that show nothing else, the period buttons, and
a cache that never lies about the as-of time."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from commands.cards import Actions, Chart, Facts, Header, Reply, Text, Tone
from commands.context import ActionContext
from commands.features.kpi import commands as kpi_commands
from commands.invocation import ActionInvocation, Conversation, ConversationKind
from commands.ports.erp import Grain
from tests.fixtures.kpi import KpiEnv, rendered

pytestmark = pytest.mark.usefixtures("kpi_env")


def card_text(reply: Reply) -> str:
    return json.dumps([str(e) for c in reply.cards for e in c.elements], ensure_ascii=False)


def facts(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for e in reply.cards[0].elements if isinstance(e, Facts) for f in e.facts}


async def test_the_list_shows_what_each_person_may_see(kpi_env: KpiEnv) -> None:
    p = kpi_env.people
    expected = {
        p.executive: 7,  # everything
        p.sal1_member: 3,  # the company's sales, orders, output
        p.sal1_head: 5,  # + headcount and overtime of 영업1팀
        p.finance: 5,  # + inventory and receivables
        p.hr: 5,  # + headcount and overtime
    }
    for person, count in expected.items():
        reply = await kpi_env.say(await kpi_env.caller(person), "kpi")
        header = reply.cards[0].elements[0]
        assert isinstance(header, Header) and f"({count}개)" in header.text, (person.name, header.text)
        rendered(reply.cards[0])
    reply = await kpi_env.say(await kpi_env.caller(p.sal1_head), "kpi")
    assert "영업1팀" in card_text(reply) and "미수금" not in card_text(reply)


async def test_a_team_card_matches_the_erps_own_figures(kpi_env: KpiEnv) -> None:
    head = kpi_env.people.sal1_head
    reply = await kpi_env.say(await kpi_env.caller(head), "kpi 매출 이번달 영업1팀")
    card = reply.cards[0]
    teams, slack = rendered(card)
    monthly = await kpi_env.erp.kpi_values(
        "sales", date(2026, 10, 1), date(2026, 10, 15), grain=Grain.MONTH, department="SAL-1"
    )
    previous = await kpi_env.erp.kpi_values(
        "sales", date(2026, 9, 1), date(2026, 9, 15), grain=Grain.MONTH, department="SAL-1"
    )
    value, before = monthly.points[0].value, previous.points[0].value
    header, big = card.elements[0], card.elements[1]
    assert isinstance(header, Header) and header.text == "매출 · 영업1팀 · 2026년 10월"
    assert isinstance(big, Text) and big.size == "large" and big.text == f"{value / 1e8:.1f}억원"
    shown = facts(reply)
    change = (value - before) / before * 100
    assert shown["전월 동기 대비"].startswith(
        ("▲" if change > 0 else "▼") + f" {abs(change):.1f}".rstrip("0")
    )
    assert "달성률" in shown["목표"] and shown["기준 시각"] == "2026-10-15 06:00 KST"
    assert shown["기간"] == "2026-10-01 ~ 2026-10-15" and shown["출처"] == "ERP (sales)"
    chart = next(e for e in card.elements if isinstance(e, Chart))
    assert chart.kind == "line" and 0 < len(chart.points) <= 31 and chart.points[0].x == "10/1"
    assert any(b["type"] == "Chart.Line" for b in teams["body"])
    assert "→" in json.dumps(slack, ensure_ascii=False)  # Slack gets a text trend


async def test_target_and_change_are_coloured_by_the_good_direction(kpi_env: KpiEnv) -> None:
    caller = await kpi_env.caller(kpi_env.people.executive, locale="en")
    overtime = await kpi_env.say(caller, "kpi overtime last-week")
    inventory = await kpi_env.say(caller, "kpi inventory 2026-Q3")
    for reply in (overtime, inventory):
        rendered(reply.cards[0], "en")
    assert "Week 41, 2026" in card_text(overtime)
    good_when_down = [f for e in overtime.cards[0].elements if isinstance(e, Facts) for f in e.facts]
    change = next(f for f in good_when_down if f.label == "vs previous week")
    assert change.value.startswith("▼") and change.tone is Tone.GOOD  # less overtime is good
    target = next(f for f in good_when_down if f.label == "Target")
    assert target.value.startswith("at most") and target.tone in (Tone.GOOD, Tone.ATTENTION)
    chart = next(e for e in inventory.cards[0].elements if isinstance(e, Chart))
    assert chart.kind == "bar" and [p.x for p in chart.points] == ["Apr", "May", "Jun", "Jul", "Aug", "Sep"]
    assert chart.title == "Monthly trend (₩B)"


@pytest.mark.parametrize(
    ("who", "text", "message"),
    [
        ("sal1_member", "kpi receivables", "미수금 KPI를 볼 권한이 없습니다."),
        ("sal1_member", "kpi 매출 영업1팀", "영업1팀의 매출 KPI를 볼 권한이 없습니다."),
        ("sal1_head", "kpi sales SAL-2 이번달", "영업2팀의 매출 KPI를 볼 권한이 없습니다."),
        ("sal1_head", "kpi 초과근무 인사팀", "인사팀의 초과근무 KPI를 볼 권한이 없습니다."),
        ("rnd_member", "kpi 재고", "재고 KPI를 볼 권한이 없습니다."),
    ],
)
async def test_a_denied_request_says_so_and_shows_nothing_else(
    kpi_env: KpiEnv, who: str, text: str, message: str
) -> None:
    fetches = kpi_env.feature.reader.fetches
    reply = await kpi_env.say(await kpi_env.caller(getattr(kpi_env.people, who)), text)
    [card] = reply.cards
    assert [type(e) for e in card.elements] == [Text] and card.elements[0].text == message  # type: ignore[union-attr]
    assert kpi_env.feature.reader.fetches == fetches  # nothing was even read
    rendered(card)


async def test_managers_default_to_their_department_when_no_company_view(kpi_env: KpiEnv) -> None:
    reply = await kpi_env.say(await kpi_env.caller(kpi_env.people.sal1_head), "kpi 인원")
    assert reply.cards[0].elements[0] == Header("인원 · 영업1팀 · 2026년 10월")
    exec_reply = await kpi_env.say(await kpi_env.caller(kpi_env.people.executive), "kpi 인원 영업본부")
    assert "영업본부" in exec_reply.cards[0].summary  # a parent department adds up its teams


async def test_bad_input_gets_usage_in_the_users_language(kpi_env: KpiEnv) -> None:
    caller = await kpi_env.caller(kpi_env.people.executive, locale="en")
    unknown = await kpi_env.say(caller, "kpi margin")
    assert "'margin' is not a KPI I know" in unknown.text
    no_dept = await kpi_env.say(caller, "kpi sales marketing")
    assert "No department 'marketing'" in no_dept.text
    no_data = await kpi_env.say(caller, "kpi sales RND-DEV")
    assert "has no Sales data" in no_data.text
    future = await kpi_env.say(caller, "kpi sales 2027-01")
    assert "has not begun yet" in future.text
    unlinked = await kpi_env.say(await kpi_env.caller(None), "kpi")
    assert "link" in unlinked.text


async def test_period_buttons_rescope_the_clicker(kpi_env: KpiEnv) -> None:
    head = await kpi_env.caller(kpi_env.people.sal1_head)
    reply = await kpi_env.say(head, "kpi 매출 영업1팀")
    actions = next(e for e in reply.cards[0].elements if isinstance(e, Actions))
    ytd = next(b for b in actions.buttons if b.values["period"] == "ytd")
    conversation = Conversation(head.platform, "DX", ConversationKind.PERSONAL, "T1")
    result = await kpi_env.dispatcher.handle_action(
        ActionInvocation(head, conversation, ytd.action, ytd.values, request_id="r")
    )
    assert result.update is not None and "2026년 누계" in result.update.elements[0].text  # type: ignore[union-attr]
    member = await kpi_env.caller(kpi_env.people.sal1_member)
    forged = await kpi_env.dispatcher.handle_action(
        ActionInvocation(member, conversation, ytd.action, ytd.values, request_id="r")
    )
    assert forged.update is None and "권한이 없습니다" in forged.notice
    gone = await kpi_commands.show(
        ActionContext(
            ActionInvocation(head, conversation, "kpi.show", {"kpi": "nope"}), kpi_env.services, "x"
        )
    )
    assert gone.update is None and gone.notice == "더 이상 사용할 수 없는 버튼입니다."


async def test_values_are_cached_and_the_as_of_time_stays_true(kpi_env: KpiEnv) -> None:
    caller = await kpi_env.caller(kpi_env.people.executive)
    first = await kpi_env.say(caller, "kpi sales last-month")
    reads = kpi_env.feature.reader.fetches
    with sqlite3.connect(kpi_env.demo.db_path) as conn:  # the ERP loads fresher data at 07:30
        conn.execute("UPDATE kpi_facts SET value = value * 2 WHERE metric = 'sales' AND day LIKE '2026-09-%'")
        conn.execute("UPDATE meta SET value = '2026-10-15T07:30:00+09:00' WHERE key = 'kpi_as_of'")
    kpi_env.timer.advance(30)
    cached = await kpi_env.say(caller, "kpi sales last-month")
    assert kpi_env.feature.reader.fetches == reads  # within the TTL: no ERP call
    assert facts(cached) == facts(first) and facts(cached)["기준 시각"] == "2026-10-15 06:00 KST"
    kpi_env.timer.advance(31)
    fresh = await kpi_env.say(caller, "kpi sales last-month")
    assert kpi_env.feature.reader.fetches > reads
    assert facts(fresh)["기준 시각"] == "2026-10-15 07:30 KST"
    assert fresh.cards[0].elements[1] != first.cards[0].elements[1]  # the doubled value, with its own time
