"""The demo ERP's approval rules on their own: the delegation table (전결), line building with
검토/합의/참조/수신, and decisions (대결, reject, hold, final authority)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.erp.demo import workflow
from adapters.erp.demo.common import Problem
from adapters.erp.demo.workflow import CEO, DIVISION, TEAM, LineRoles, Step

ROLES = LineRoles(
    heads=((TEAM, "team-head"), (DIVISION, "division-head"), (CEO, "ceo")),
    purchase_reviewer="buyer",
    finance_head="cfo-team",
    finance_cc="accountant",
    hr_head="hr-head",
    purchase_head="purchasing-head",
)
NOW = "2026-03-16T10:00:00+09:00"


@pytest.mark.parametrize(
    ("kind", "amount", "level"),
    [
        ("expense", 500_000, TEAM),
        ("expense", 500_001, DIVISION),
        ("expense", 3_000_000, DIVISION),
        ("expense", 3_000_001, CEO),
        ("purchase_order", 1_000_000, TEAM),
        ("purchase_order", 5_000_000, DIVISION),
        ("purchase_order", 5_000_001, CEO),
        ("leave", None, TEAM),
    ],
)
def test_delegation_table(kind: str, amount: int | None, level: int) -> None:
    assert workflow.required_level(kind, None if amount is None else Decimal(amount)) == level


def _line(kind: str, amount: int | None, requester: str = "staff", roles: LineRoles = ROLES) -> list[Step]:
    return workflow.build_line(kind, requester, None if amount is None else Decimal(amount), roles)


def test_big_purchase_line_has_review_agreement_and_receipt() -> None:
    line = _line("purchase_order", 7_000_000)
    assert [(s.kind, s.approver_no) for s in line] == [
        ("draft", "staff"), ("review", "buyer"), ("approve", "team-head"), ("agree", "cfo-team"),
        ("approve", "division-head"), ("approve", "ceo"), ("receive", "purchasing-head"),
    ]  # fmt: skip
    assert [s.final_authority for s in line] == [False] * 5 + [True, False]
    assert not line[3].allow_hold and line[2].allow_hold


def test_small_purchase_needs_no_agreement() -> None:
    line = _line("purchase_order", 800_000)
    assert "agree" not in [s.kind for s in line] and line[2].final_authority


def test_a_team_head_requesting_goes_to_the_next_level() -> None:
    line = _line("expense", 200_000, requester="team-head")
    assert [(s.kind, s.approver_no, s.final_authority) for s in line] == [
        ("draft", "team-head", False), ("approve", "division-head", True), ("approve", "ceo", False),
        ("cc", "accountant", False),
    ]  # fmt: skip


def test_leave_copies_hr_and_cannot_be_held() -> None:
    line = _line("leave", None)
    assert line[-1].kind == "cc" and line[-1].approver_no == "hr-head"
    assert not any(s.allow_hold for s in line)


def _open(kind: str = "expense", amount: int | None = 1_000_000) -> tuple[str, list[Step]]:
    steps = _line(kind, amount)
    return workflow.submit(steps, NOW), steps


def _decide(
    status: str,
    steps: list[Step],
    action: str,
    actor: str,
    *,
    comment: str = "",
    acting: dict[str, str] | None = None,
) -> str:
    return workflow.decide(
        status, 1, steps, action=action, actor=actor, comment=comment, expected_version=1, now=NOW,
        acting_of=(acting or {}).get,
    )  # fmt: skip


def test_approvals_advance_until_final_authority_skips_the_rest() -> None:
    status, steps = _open()  # 1,000,000원 expense: the division head decides finally
    assert status == "pending" and workflow.current_step(steps) is steps[1]
    status = _decide(status, steps, "approve", "team-head")
    assert status == "pending" and steps[2].state == "current"
    status = _decide(status, steps, "approve", "division-head")
    assert status == "approved" and [s.state for s in steps] == ["approved"] * 3 + ["skipped", "waiting"]


def test_acting_approver_decides_only_while_the_approver_is_absent() -> None:
    status, steps = _open()
    with pytest.raises(Problem) as refused:
        _decide(status, steps, "approve", "deputy")
    assert refused.value.code == "not_your_step"
    status = _decide(status, steps, "approve", "deputy", acting={"team-head": "deputy"})
    assert (steps[1].decided_by, steps[1].acting_for) == ("deputy", "team-head")
    with pytest.raises(Problem) as again:
        _decide(status, steps, "approve", "deputy", acting={"team-head": "deputy"})
    assert again.value.code == "already_decided"


def test_reject_needs_a_reason_and_ends_the_line() -> None:
    status, steps = _open()
    with pytest.raises(Problem) as refused:
        _decide(status, steps, "reject", "team-head", comment=" ")
    assert (refused.value.status, refused.value.code) == (422, "reason_required")
    assert _decide(status, steps, "reject", "team-head", comment="예산 초과") == "rejected"
    assert steps[1].state == "rejected" and workflow.current_step(steps) is None


def test_hold_pauses_and_cannot_be_repeated() -> None:
    status, steps = _open()
    status = _decide(status, steps, "hold", "team-head", comment="확인 중")
    assert status == "on_hold" and workflow.allowed_actions(steps[1]) == ["approve", "reject"]
    with pytest.raises(Problem) as refused:
        _decide(status, steps, "hold", "team-head")
    assert refused.value.code == "action_not_allowed"
    assert _decide(status, steps, "approve", "team-head") == "pending"


def test_stale_version_and_closed_items() -> None:
    status, steps = _open()
    with pytest.raises(Problem) as stale:
        workflow.decide(
            status, 2, steps, action="approve", actor="team-head", comment="", expected_version=1, now=NOW,
            acting_of=lambda _: None,
        )  # fmt: skip
    assert stale.value.code == "item_changed"
    status = workflow.withdraw(status, steps)
    with pytest.raises(Problem) as closed:
        _decide(status, steps, "approve", "team-head")
    assert closed.value.code == "already_decided"
