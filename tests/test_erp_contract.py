"""One client suite, two backends: the demo ERP on loopback (every response validated against the
contract, every exchange compared with the recording) and a fake replaying tests/data/erp_recorded.
Re-record after a deliberate change with: ERP_RECORD=1 .venv/bin/pytest tests/test_erp_contract.py"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from adapters.erp import HttpErpClient
from commands.errors import Conflict, Forbidden, NotFound, UserInputError
from commands.ports.erp import (
    AlreadyDecided,
    ApprovalItem,
    ApprovalStatus,
    DecisionAction,
    Employee,
    Grain,
    ItemChanged,
    NotYourStep,
    ReasonRequired,
    StepKind,
    StepState,
)
from tests.fixtures.erp import (
    ERP_API_KEY,
    ERP_NOW,
    ERP_TODAY,
    RECORDED_DIR,
    ErpContract,
    RecordingTransport,
    Replay,
    serve_demo_erp,
)

APPROVE, REJECT, HOLD = DecisionAction.APPROVE, DecisionAction.REJECT, DecisionAction.HOLD


@pytest.fixture(params=["demo", "recorded"])
async def erp(request: pytest.FixtureRequest, erp_contract: ErpContract) -> AsyncIterator[HttpErpClient]:
    recording = RECORDED_DIR / f"{request.node.originalname}.json"
    if request.param == "recorded":
        replay = Replay(json.loads(recording.read_text(encoding="utf-8")))
        client = HttpErpClient(
            "http://erp.recorded", api_key=ERP_API_KEY, transport=replay.transport(), page_size=25
        )
        yield client
        await client.aclose()
        assert not replay.pending, f"recorded requests never made: {[e['request'] for e in replay.pending]}"
        return
    async with serve_demo_erp(request.getfixturevalue("erp_db_path")) as demo:
        recorder = RecordingTransport(httpx.AsyncHTTPTransport())
        client = demo.client(transport=recorder, page_size=25)
        yield client
        await client.aclose()
    for exchange in recorder.exchanges:
        erp_contract.validate_exchange(exchange)
    if os.environ.get("ERP_RECORD"):
        RECORDED_DIR.mkdir(parents=True, exist_ok=True)
        text = json.dumps(recorder.exchanges, ensure_ascii=False, indent=1)
        recording.write_text(text + "\n", encoding="utf-8")
    else:
        recorded = json.loads(recording.read_text(encoding="utf-8"))
        assert recorded == recorder.exchanges, f"the demo no longer answers as {recording.name} records"


async def _absent_head_and_acting(erp: HttpErpClient) -> tuple[Employee, str]:
    heads = {d.code: d.head_no for d in await erp.list_departments()}
    head = await erp.get_employee(heads["SAL-1"] or "")
    assert head.absence is not None
    return head, head.absence.acting_employee_no


async def _head(erp: HttpErpClient, department: str) -> str:
    heads = {d.code: d.head_no for d in await erp.list_departments()}
    return heads[department] or ""


async def _pending_one(
    erp: HttpErpClient, approver: str, *, kind: str = "", amount: int | None = None
) -> ApprovalItem:
    page = await erp.pending_approvals(approver, limit=50)
    for item in page.items:
        if (not kind or item.type == kind) and (amount is None or item.amount == Decimal(amount)):
            return item
    raise AssertionError(f"nothing pending for {approver} ({kind} {amount})")


async def test_employee_lookups(erp: HttpErpClient) -> None:
    head, acting_no = await _absent_head_and_acting(erp)
    assert (head.position, head.department_name, head.department_code) == ("팀장", "영업1팀", "SAL-1")
    assert "manager" in head.roles and head.absent_on(ERP_TODAY)
    acting = await erp.get_employee(acting_no)
    assert acting.department_code == "SAL-1" and acting.manager_no == head.employee_no
    assert await erp.find_employee_by_email(acting.email.upper()) == acting
    assert await erp.find_employee_by_email("nobody@hanbit.example") is None
    with pytest.raises(NotFound):
        await erp.get_employee("0000000")


async def test_list_employees_walks_every_page(erp: HttpErpClient) -> None:
    everyone = await erp.list_employees()  # page_size=25: three pages
    assert len(everyone) == 60 == len({e.employee_no for e in everyone})
    assert all(e.email.endswith("@hanbit.example") and e.name and e.english_name for e in everyone)
    (ceo,) = [e for e in everyone if e.title == "대표이사"]
    assert ceo.manager_no is None and "executive" in ceo.roles
    finance = await erp.list_employees(department="MGT-FIN")
    assert finance and all(e.department_name == "재무팀" and "finance" in e.roles for e in finance)


async def test_departments_form_one_tree(erp: HttpErpClient) -> None:
    departments = {d.code: d for d in await erp.list_departments()}
    names = {d.name for d in departments.values()}
    assert {"경영지원팀", "재무팀", "인사팀", "영업1팀", "영업2팀", "생산팀", "구매팀", "연구개발팀"} <= names
    (root,) = [d for d in departments.values() if d.parent_code is None]
    for d in departments.values():
        assert d.head_no, d
        hops, code = 0, d.code
        while departments[code].parent_code is not None:
            code, hops = departments[code].parent_code or "", hops + 1
        assert code == root.code and hops <= 2


async def test_pending_for_the_acting_approver_includes_the_absent_ones(erp: HttpErpClient) -> None:
    head, acting_no = await _absent_head_and_acting(erp)
    for_acting = await erp.pending_approvals(acting_no)
    for_head = await erp.pending_approvals(head.employee_no)
    assert for_acting.items and [i.id for i in for_acting.items] == [i.id for i in for_head.items]
    for item in for_acting.items:
        step = item.current_step
        assert step is not None and step.approver.employee_no == head.employee_no
        assert item.status in (ApprovalStatus.PENDING, ApprovalStatus.ON_HOLD)


async def test_listing_pages_newest_first(erp: HttpErpClient) -> None:
    seen: list[ApprovalItem] = []
    cursor: str | None = None
    while True:
        page = await erp.list_approvals(status=ApprovalStatus.PENDING, limit=4, cursor=cursor)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) >= 8 and len({i.id for i in seen}) == len(seen)
    assert all(i.status is ApprovalStatus.PENDING for i in seen)
    assert [i.created_at for i in seen] == sorted((i.created_at for i in seen), reverse=True)
    since = ERP_NOW - timedelta(days=4)
    recent = await erp.list_approvals(updated_since=since, limit=50)
    assert recent.items and all(i.updated_at >= since for i in recent.items)


async def test_purchase_detail_carries_the_whole_line(erp: HttpErpClient) -> None:
    finance_head = await _head(erp, "MGT-FIN")
    listed = await _pending_one(erp, finance_head, kind="purchase_order", amount=3_850_000)
    item = await erp.get_approval(listed.id)
    assert item == listed
    assert item.currency == "KRW" and sum(line.amount for line in item.lines) == item.amount
    assert item.attachments and item.web_url.endswith(item.id) and item.due_date
    kinds = [s.kind for s in item.steps]
    expected = ["draft", "review", "approve", "agree", "approve", "approve", "receive"]
    assert kinds == [StepKind(k) for k in expected]
    assert [s.seq for s in item.steps] == list(range(1, 8))
    current = item.current_step
    assert (
        current is not None
        and current.kind is StepKind.AGREE
        and current.approver.department_name == "재무팀"
    )
    assert current.allowed_actions == (APPROVE, REJECT)  # 합의 cannot be put on hold
    # ≤ 5,000,000원: the division head (본부장) has final authority (전결), the CEO step will be skipped.
    assert [s.final_authority for s in item.steps] == [False, False, False, False, True, False, False]
    assert all(s.decided_at is not None for s in item.steps[:3])


async def test_agreement_then_final_authority(erp: HttpErpClient) -> None:
    finance_head = await _head(erp, "MGT-FIN")
    item = await _pending_one(erp, finance_head, kind="purchase_order", amount=3_850_000)
    agreed = await erp.decide(
        item.id, APPROVE, actor_no=finance_head, expected_version=item.version, idempotency_key="agree-0001"
    )
    division = agreed.current_step
    assert division is not None and division.final_authority and agreed.status is ApprovalStatus.PENDING
    done = await erp.decide(
        item.id,
        APPROVE,
        actor_no=division.approver.employee_no,
        comment="전결 처리합니다.",
        expected_version=agreed.version,
        idempotency_key="final-0001",
    )
    assert done.status is ApprovalStatus.APPROVED and done.version == item.version + 2
    states = {s.kind: s.state for s in done.steps if s.kind in (StepKind.AGREE, StepKind.RECEIVE)}
    assert states == {StepKind.AGREE: StepState.APPROVED, StepKind.RECEIVE: StepState.WAITING}
    assert done.steps[5].state is StepState.SKIPPED and done.steps[4].comment == "전결 처리합니다."
    assert done.current_step is None


async def test_team_head_final_authority_skips_the_rest(erp: HttpErpClient) -> None:
    ga_head = await _head(erp, "MGT-GA")
    item = await _pending_one(erp, ga_head, kind="expense", amount=180_000)
    done = await erp.decide(
        item.id, APPROVE, actor_no=ga_head, expected_version=item.version, idempotency_key="ga-final-01"
    )
    assert done.status is ApprovalStatus.APPROVED
    assert [s.state for s in done.steps] == [
        StepState.APPROVED, StepState.APPROVED, StepState.SKIPPED, StepState.SKIPPED, StepState.WAITING,
    ]  # fmt: skip
    assert done.steps[-1].kind is StepKind.CC and done.steps[1].decided_by == ga_head


async def test_acting_approver_decides_for_the_absent_one(erp: HttpErpClient) -> None:
    head, acting_no = await _absent_head_and_acting(erp)
    item = await _pending_one(erp, acting_no, kind="expense", amount=320_000)
    done = await erp.decide(
        item.id,
        APPROVE,
        actor_no=acting_no,
        expected_version=item.version,
        idempotency_key="acting-0001",
        on_behalf_of=head.employee_no,
    )
    step = done.steps[1]
    assert (step.decided_by, step.acting_for, step.state) == (acting_no, head.employee_no, StepState.APPROVED)
    assert done.status is ApprovalStatus.APPROVED  # ≤ 500,000원: 팀장 전결, decided by the 대결자


async def test_same_idempotency_key_decides_once(erp: HttpErpClient) -> None:
    sal2_head = await _head(erp, "SAL-2")
    item = await _pending_one(erp, sal2_head, kind="expense", amount=1_450_000)
    first = await erp.decide(
        item.id, APPROVE, actor_no=sal2_head, expected_version=item.version, idempotency_key="same-key-01"
    )
    again = await erp.decide(
        item.id, APPROVE, actor_no=sal2_head, expected_version=item.version, idempotency_key="same-key-01"
    )
    assert again == first and first.version == item.version + 1
    assert (await erp.get_approval(item.id)).version == item.version + 1
    step = first.current_step
    assert step is not None and step.final_authority and step.approver.department_code == "SAL"


async def test_decision_errors_map_to_core_errors(erp: HttpErpClient) -> None:
    sal2_head = await _head(erp, "SAL-2")
    item = await _pending_one(erp, sal2_head, kind="expense", amount=1_450_000)
    with pytest.raises(ReasonRequired) as reason:
        await erp.decide(
            item.id,
            REJECT,
            actor_no=sal2_head,
            comment="  ",
            expected_version=item.version,
            idempotency_key="errors-01",
        )
    assert isinstance(reason.value, UserInputError)
    with pytest.raises(NotYourStep) as not_yours:
        await erp.decide(
            item.id, APPROVE, actor_no="1998001", expected_version=item.version, idempotency_key="errors-02"
        )
    assert isinstance(not_yours.value, Forbidden)
    with pytest.raises(ItemChanged) as changed:
        await erp.decide(
            item.id,
            APPROVE,
            actor_no=sal2_head,
            expected_version=item.version - 1,
            idempotency_key="errors-03",
        )
    assert isinstance(changed.value, Conflict) and changed.value.current_version == item.version
    assert changed.value.params["reason"] == "item_changed"
    with pytest.raises(NotFound):
        await erp.decide(
            "EX-1999-9999", APPROVE, actor_no=sal2_head, expected_version=1, idempotency_key="errors-04"
        )
    rejected = await erp.decide(
        item.id,
        REJECT,
        actor_no=sal2_head,
        comment="증빙 누락",
        expected_version=item.version,
        idempotency_key="errors-05",
    )
    assert rejected.status is ApprovalStatus.REJECTED and rejected.steps[1].comment == "증빙 누락"


async def test_second_decision_is_already_decided(erp: HttpErpClient) -> None:
    ga_head = await _head(erp, "MGT-GA")
    item = await _pending_one(erp, ga_head, kind="expense", amount=180_000)
    done = await erp.decide(
        item.id, APPROVE, actor_no=ga_head, expected_version=item.version, idempotency_key="twice-01"
    )
    with pytest.raises(AlreadyDecided) as late:
        await erp.decide(
            item.id, APPROVE, actor_no=ga_head, expected_version=item.version, idempotency_key="twice-02"
        )
    assert late.value.item == done and late.value.params["reason"] == "already_decided"


async def test_hold_pauses_and_approve_resumes(erp: HttpErpClient) -> None:
    ga_head = await _head(erp, "MGT-GA")
    item = await _pending_one(erp, ga_head, kind="expense", amount=180_000)
    held = await erp.decide(
        item.id,
        HOLD,
        actor_no=ga_head,
        comment="예산 확인 중",
        expected_version=item.version,
        idempotency_key="hold-001",
    )
    step = held.current_step
    assert held.status is ApprovalStatus.ON_HOLD and step is not None and step.state is StepState.ON_HOLD
    assert step.allowed_actions == (APPROVE, REJECT)
    assert item.id in [i.id for i in (await erp.pending_approvals(ga_head)).items]
    done = await erp.decide(
        item.id, APPROVE, actor_no=ga_head, expected_version=held.version, idempotency_key="hold-002"
    )
    assert done.status is ApprovalStatus.APPROVED
    rnd_head = await _head(erp, "RND-DEV")
    leave = await _pending_one(erp, rnd_head, kind="leave")
    assert leave.current_step is not None and HOLD not in leave.current_step.allowed_actions
    with pytest.raises(Conflict) as refused:
        await erp.decide(
            leave.id, HOLD, actor_no=rnd_head, expected_version=leave.version, idempotency_key="hold-003"
        )
    assert refused.value.params["reason"] == "action_not_allowed"


async def test_absence_with_acting_approver(erp: HttpErpClient) -> None:
    ceo, mgt_head = await _head(erp, "EXEC"), await _head(erp, "MGT")
    own = {i.id for i in (await erp.pending_approvals(mgt_head)).items}
    ceos = {i.id for i in (await erp.pending_approvals(ceo)).items}
    assert ceos and not own & ceos
    away = await erp.set_absence(ceo, ERP_TODAY, ERP_TODAY + timedelta(days=2), mgt_head)
    assert away.absence is not None and away.absence.acting_employee_no == mgt_head
    assert {i.id for i in (await erp.pending_approvals(mgt_head)).items} == own | ceos
    back = await erp.clear_absence(ceo)
    assert back.absence is None and {i.id for i in (await erp.pending_approvals(mgt_head)).items} == own
    with pytest.raises(UserInputError):
        await erp.set_absence(ceo, ERP_TODAY, ERP_TODAY - timedelta(days=1), mgt_head)


async def test_kpi_catalogue_and_series(erp: HttpErpClient) -> None:
    metrics = {m.metric: m for m in await erp.list_kpis()}
    expected = {
        "sales",
        "orders",
        "production_output",
        "inventory",
        "receivables",
        "headcount",
        "overtime_hours",
    }
    assert set(metrics) == expected
    assert (metrics["sales"].unit, metrics["sales"].aggregation) == ("KRW", "sum")
    assert metrics["headcount"].aggregation == "last" and "SAL-1" in metrics["sales"].departments
    yesterday = ERP_TODAY - timedelta(days=1)
    monthly = await erp.kpi_values(
        "sales", ERP_TODAY.replace(year=2024, month=9, day=1), yesterday, grain=Grain.MONTH
    )
    assert len(monthly.points) == 19 and monthly.points[0].period_start.isoformat() == "2024-09-01"
    assert (
        monthly.unit == "KRW"
        and monthly.as_of.date() == ERP_TODAY
        and all(p.value > 0 for p in monthly.points)
    )
    division = await erp.kpi_values(
        "sales", yesterday - timedelta(days=60), yesterday, grain=Grain.WEEK, department="SAL"
    )
    team1 = await erp.kpi_values(
        "sales", yesterday - timedelta(days=60), yesterday, grain=Grain.WEEK, department="SAL-1"
    )
    assert all(p.period_start.weekday() == 0 for p in division.points)
    assert all(d.value >= t.value for d, t in zip(division.points, team1.points, strict=True))
    heads = await erp.kpi_values("headcount", yesterday, yesterday)
    assert [p.value for p in heads.points] == [60.0]
    with pytest.raises(NotFound):
        await erp.kpi_values("profit", yesterday, yesterday)
