"""The demo ERP's approval rules, as pure functions over plain rows: building an approval line from
the delegation table (전결 by amount) and applying a decision (sequential steps, 합의, 참조 that
never blocks, 전결 completing the line, 대결 by the acting approver, reject ending, hold pausing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from adapters.erp.demo.common import Problem

BLOCKING = frozenset({"review", "approve", "agree"})
OPEN = frozenset({"pending", "on_hold"})
TEAM, DIVISION, CEO = 0, 1, 2

# 전결 규정: the approval level whose approval completes the line, by type and amount (KRW, inclusive).
DELEGATION: Mapping[str, tuple[tuple[int, int], ...]] = {
    "expense": ((500_000, TEAM), (3_000_000, DIVISION)),
    "purchase_order": ((1_000_000, TEAM), (5_000_000, DIVISION)),
    "leave": ((10**15, TEAM),),
}
FINANCE_AGREEMENT_ABOVE = 3_000_000  # purchases above this need 재무팀 합의


@dataclass
class Step:
    seq: int
    kind: str
    approver_no: str
    state: str = "waiting"
    decided_at: str | None = None
    decided_by: str | None = None
    acting_for: str | None = None
    comment: str = ""
    final_authority: bool = False
    allow_hold: bool = True


@dataclass(frozen=True)
class LineRoles:
    """Who takes which part in a line, resolved from the org chart by the caller."""

    heads: tuple[tuple[int, str], ...]  # (level, employee_no) from the requester's team upwards
    purchase_reviewer: str | None = None  # 구매팀 담당자 (검토)
    finance_head: str | None = None  # 재무팀장 (합의)
    finance_cc: str | None = None  # 재무팀 담당자 (참조)
    hr_head: str | None = None  # 인사팀장 (참조)
    purchase_head: str | None = None  # 구매팀장 (수신)


def required_level(kind: str, amount: Decimal | None) -> int:
    """The delegation table: which level decides finally (전결) for this type and amount."""
    for ceiling, level in DELEGATION.get(kind, ((1_000_000, TEAM), (10_000_000, DIVISION))):
        if (amount or 0) <= ceiling:
            return level
    return CEO


def build_line(kind: str, requester_no: str, amount: Decimal | None, roles: LineRoles) -> list[Step]:
    """The approval line for a new item; the draft step first, seq from 1."""
    steps: list[tuple[str, str, bool]] = [("draft", requester_no, False)]
    seen = {requester_no}

    def add(step_kind: str, who: str | None, final: bool = False) -> None:
        if who and (who not in seen or step_kind in ("cc", "receive")):
            seen.add(who)
            steps.append((step_kind, who, final))

    if kind == "purchase_order":
        add("review", roles.purchase_reviewer)
    needed = required_level(kind, amount)
    approvers = [(level, no) for level, no in roles.heads if no != requester_no]
    final_index = next((i for i, (level, _) in enumerate(approvers) if level >= needed), len(approvers) - 1)
    for i, (level, no) in enumerate(approvers):
        if kind == "purchase_order" and level >= DIVISION and (amount or 0) > FINANCE_AGREEMENT_ABOVE:
            add("agree", roles.finance_head)
        add("approve", no, final=i == final_index)
    if kind == "expense":
        add("cc", roles.finance_cc)
    elif kind == "leave":
        add("cc", roles.hr_head)
    elif kind == "purchase_order":
        add("receive", roles.purchase_head)
    no_hold = kind == "leave"
    return [
        Step(seq, k, who, final_authority=final, allow_hold=not no_hold and k != "agree")
        for seq, (k, who, final) in enumerate(steps, start=1)
    ]


def current_step(steps: list[Step]) -> Step | None:
    return next((s for s in steps if s.state in ("current", "on_hold")), None)


def allowed_actions(step: Step) -> list[str]:
    if step.state == "current":
        return ["approve", "reject", "hold"] if step.allow_hold else ["approve", "reject"]
    if step.state == "on_hold":
        return ["approve", "reject"]
    return []


def _advance(steps: list[Step], after: Step) -> bool:
    """Make the next blocking step current; True when there is none (the line is complete)."""
    for s in steps:
        if s.seq > after.seq and s.kind in BLOCKING and s.state == "waiting":
            s.state = "current"
            return False
    return True


def submit(steps: list[Step], now: str) -> str:
    """Mark the draft step done and open the line; returns the item's status."""
    draft = steps[0]
    draft.state, draft.decided_at, draft.decided_by = "approved", now, draft.approver_no
    return "approved" if _advance(steps, draft) else "pending"


def withdraw(status: str, steps: list[Step]) -> str:
    """The requester takes the item back (상신 취소)."""
    if status not in OPEN:
        raise Problem(409, "already_decided", "the item is no longer open")
    for s in steps:
        if s.state in ("current", "on_hold"):
            s.state = "waiting"
    return "withdrawn"


def _authorize(
    status: str,
    steps: list[Step],
    actor: str,
    on_behalf_of: str | None,
    acting_of: Callable[[str], str | None],
) -> tuple[Step, str | None]:
    """The step the actor may decide and whom they act for (대결), or Problem."""
    step = current_step(steps) if status in OPEN else None
    if step is not None:
        if actor == step.approver_no and on_behalf_of in (None, actor):
            return step, None
        if acting_of(step.approver_no) == actor and on_behalf_of in (None, step.approver_no):
            return step, step.approver_no
    involved = any(
        actor in (s.approver_no, s.decided_by) or (on_behalf_of is not None and s.approver_no == on_behalf_of)
        for s in steps
        if s.kind in BLOCKING and s.state not in ("waiting", "current", "on_hold")
    ) or (status not in OPEN and any(s.approver_no == actor for s in steps if s.kind in BLOCKING))
    if involved:
        raise Problem(409, "already_decided", "this step has already been decided")
    raise Problem(403, "not_your_step", "the actor is not the current approver or their acting approver")


def decide(
    status: str,
    version: int,
    steps: list[Step],
    *,
    action: str,
    actor: str,
    comment: str,
    expected_version: int,
    now: str,
    acting_of: Callable[[str], str | None],
    on_behalf_of: str | None = None,
) -> str:
    """Apply one decision to `steps` in place; returns the item's new status. `acting_of(no)` names
    the acting approver of `no` if `no` is absent today."""
    if action == "reject" and not comment.strip():
        raise Problem(422, "reason_required", "a reason is required to reject")
    step, acting_for = _authorize(status, steps, actor, on_behalf_of, acting_of)
    if expected_version != version:
        raise Problem(409, "item_changed", f"the item is at version {version}, not {expected_version}")
    if action not in allowed_actions(step):
        raise Problem(409, "action_not_allowed", f"{action} is not allowed on this step")
    step.decided_at, step.decided_by, step.acting_for, step.comment = now, actor, acting_for, comment.strip()
    if action == "hold":
        step.state = "on_hold"
        return "on_hold"
    if action == "reject":
        step.state = "rejected"
        return "rejected"
    step.state = "approved"
    if step.final_authority:
        for s in steps:
            if s.seq > step.seq and s.kind in BLOCKING and s.state == "waiting":
                s.state = "skipped"
        return "approved"
    return "approved" if _advance(steps, step) else "pending"
