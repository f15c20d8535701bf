"""~40 seeded approval items: a few fixed scenarios (대결, 합의, 전결, hold) plus random purchase
orders, expense reports and leave requests in every status, each driven through the real workflow."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from adapters.erp.demo import workflow
from adapters.erp.demo.common import KST, WEB_BASE, stamp
from adapters.erp.demo.org import Org, Person
from adapters.erp.demo.repo_approvals import NewItem, insert_item, line_roles

PURCHASES = (
    ("노트북 (14인치, 업무용)", 1_650_000), ("27인치 모니터", 320_000), ("복합기 토너 세트", 185_000),
    ("사무용 의자", 240_000), ("서버용 SSD 3.84TB", 890_000), ("CNC 가공 공구 세트", 2_300_000),
    ("포장 자재 (박스 500매)", 410_000), ("측정 장비 교정 서비스", 1_200_000), ("PLC 제어 모듈", 3_400_000),
    ("산업용 로봇 감속기", 7_800_000), ("클린룸 필터 교체", 4_500_000), ("설계 SW 라이선스 (1년)", 2_750_000),
)  # fmt: skip
EXPENSES = (
    ("고객사 미팅 식대", 45_000, 180_000), ("KTX 출장 교통비 (서울-부산)", 119_800, 119_800),
    ("출장 숙박비", 95_000, 160_000), ("택시비", 12_000, 38_000), ("세미나 참가비", 150_000, 600_000),
    ("팀 회식비", 200_000, 650_000), ("도서 구입비", 18_000, 45_000),
    ("전시회 부스 운영비", 1_800_000, 3_500_000),
)  # fmt: skip
LEAVES = ("연차 휴가 신청", "반차 신청", "경조 휴가 신청", "대체 휴가 신청")
VENDORS = ("(주)대한정밀", "세진산업", "한국오피스", "에이스테크", "동방물산")
REJECT_REASONS = (
    "견적 비교 자료를 첨부해 주세요.", "예산 초과로 다음 분기에 재상신 바랍니다.",
    "증빙 영수증이 누락되었습니다.", "업무 일정상 해당 기간은 어렵습니다.",
)  # fmt: skip
HOLD_COMMENTS = ("예산 확인 후 처리하겠습니다.", "본부장님과 협의 후 결정하겠습니다.")


Lines = list[tuple[str, int, int]]  # description, quantity, unit price


@dataclass
class _Draft:
    new: NewItem
    created: datetime
    plan: str  # pending:<approvals> | approved | rejected | on_hold | withdrawn | acted (by the 대결자)


def _workday(day: date, step: int) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


class _Maker:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today

    def created(self, days_ago: int) -> datetime:
        """Some time during office hours on the working day `days_ago` (or the one before)."""
        day = _workday(self.today - timedelta(days=days_ago), -1)
        return datetime.combine(day, time(self.rng.randint(9, 17), self.rng.randrange(0, 60, 5)), KST)

    def later(self, at: datetime) -> datetime:
        """When the next approver gets to it: within hours, or the next working morning."""
        then = at + timedelta(minutes=self.rng.randint(40, 360))
        if then.hour >= 19 or then.hour < 8 or then.weekday() >= 5:
            day = _workday(then.date() + timedelta(days=1 if then.hour >= 8 else 0), 1)
            then = datetime.combine(day, time(9, self.rng.randrange(0, 60, 5)), KST)
        return then

    def attachment(self, name: str) -> dict[str, str]:
        return {"name": name, "url": f"{WEB_BASE}/files/{self.rng.getrandbits(48):012x}/{name}"}

    def purchase(self, who: Person, created: datetime, lines: Lines | None = None) -> NewItem:
        picks = self.rng.sample(PURCHASES, k=self.rng.randint(1, 3))
        lines = lines or [
            (desc, self.rng.randint(1, 3 if price < 2_000_000 else 1), price) for desc, price in picks
        ]
        title = lines[0][0] + (f" 외 {len(lines) - 1}건" if len(lines) > 1 else "") + " 구매 요청"
        files = [self.attachment(f"견적서_{self.rng.choice(VENDORS)}.pdf")]
        return self._new("purchase_order", title, who, created, lines, files)

    def expense(self, who: Person, created: datetime, lines: Lines | None = None) -> NewItem:
        picks = self.rng.sample(EXPENSES, k=self.rng.randint(1, 3))
        lines = lines or [(desc, 1, self.rng.randint(low, high) // 100 * 100) for desc, low, high in picks]
        title = f"{created.month}월 {lines[0][0]}" + (" 등" if len(lines) > 1 else "") + " 경비 청구"
        files = [self.attachment(f"영수증_{i + 1}.jpg") for i in range(len(lines))]
        return self._new("expense", title, who, created, lines, files)

    def leave(self, who: Person, created: datetime) -> NewItem:
        kind = self.rng.choice(LEAVES)
        start = _workday(created.date() + timedelta(days=self.rng.randint(3, 20)), 1)
        end = start if "반차" in kind else _workday(start + timedelta(days=self.rng.randint(0, 2)), 1)
        span = f"{start:%m/%d}" + (" 오후" if "반차" in kind else "" if end == start else f"~{end:%m/%d}")
        title = f"{kind} ({span})"
        return self._new("leave", title, who, created, [], [])

    def _new(
        self, kind: str, title: str, who: Person, created: datetime, lines: Lines, files: list[dict[str, str]]
    ) -> NewItem:
        rows = [{"description": d, "quantity": q, "unit_price": p, "amount": q * p} for d, q, p in lines]
        amount = Decimal(sum(q * p for _, q, p in lines)) if lines else None
        due = _workday(created.date() + timedelta(days=self.rng.randint(3, 10)), 1)
        return NewItem(kind, title, who.employee_no, amount, "KRW", rows, due, files)


def _drafts(org: Org, make: _Maker) -> list[_Draft]:
    def staff(code: str, index: int) -> Person:
        return [p for p in org.members(code) if not p.position][index]

    def scenario(kind: str, who: Person, days_ago: int, lines: Lines | None, plan: str) -> _Draft:
        created = make.created(days_ago)
        if kind == "leave":
            return _Draft(make.leave(who, created), created, plan)
        maker = make.purchase if kind == "purchase_order" else make.expense
        return _Draft(maker(who, created, lines), created, plan)

    # Fixed cases the tests and the playground rely on (staff("SAL-1", 0) acts for 영업1팀장), in order:
    # 대결 + 팀장 전결; waiting for 재무팀 합의; waiting for 대표이사; hold allowed; leave (no hold);
    # 본부장 전결; decided by the 대결자.
    scenarios = [
        scenario("expense", staff("SAL-1", 2), 1, [("고객사 미팅 식대", 1, 320_000)], "pending:0"),
        scenario("purchase_order", staff("OPS-PRD", 1), 3, [("PLC 제어 모듈", 1, 3_850_000)], "pending:2"),
        scenario("purchase_order", staff("RND-DEV", 2), 4, [("설계 SW 라이선스", 4, 3_100_000)], "pending:4"),
        scenario("expense", staff("MGT-GA", 3), 1, [("택시비", 6, 30_000)], "pending:0"),
        scenario("leave", staff("RND-DEV", 4), 1, None, "pending:0"),
        scenario("expense", staff("SAL-2", 1), 2, [("전시회 부스 운영비", 1, 1_450_000)], "pending:0"),
        scenario("expense", staff("SAL-1", 4), 1, [("택시비", 3, 30_000)], "acted"),
    ]
    people = [p for p in org.people if p.position in ("", "팀장")]
    plans = ("pending", "pending", "approved", "approved", "rejected", "on_hold", "withdrawn")
    randoms = []
    for _ in range(35):
        who, created = make.rng.choice(people), make.created(make.rng.randint(3, 28))
        kind = make.rng.choices(("purchase", "expense", "leave"), weights=(4, 5, 3))[0]
        new = (
            make.purchase(who, created)
            if kind == "purchase"
            else make.expense(who, created)
            if kind == "expense"
            else make.leave(who, created)
        )
        randoms.append(_Draft(new, created, make.rng.choice(plans)))
    return sorted(scenarios + randoms, key=lambda d: d.created)


def _current(steps: list[workflow.Step]) -> workflow.Step:
    step = workflow.current_step(steps)
    if step is None:
        raise RuntimeError("the line has no current step")
    return step


def _play(
    draft: _Draft, steps: list[workflow.Step], make: _Maker, acting: dict[str, str], end: datetime
) -> tuple[str, int, datetime]:
    """Drive the line to the draft's planned state; returns (status, version, updated)."""
    rng, at, version = make.rng, draft.created, 1
    status = workflow.submit(steps, stamp(at))
    blocking = sum(1 for s in steps if s.kind in workflow.BLOCKING)
    plan, _, count = draft.plan.partition(":")
    full = plan in ("approved", "acted")
    approvals = int(count) if count else blocking if full else rng.randint(0, max(0, blocking - 1))

    def act(action: str, comment: str = "", by_acting: bool = False) -> None:
        nonlocal at, version, status
        step = _current(steps)
        then = make.later(at)
        at = then if then < end else at + timedelta(minutes=rng.randint(5, 30))
        actor = acting[step.approver_no] if by_acting else step.approver_no
        status = workflow.decide(
            status,
            version,
            steps,
            action=action,
            actor=actor,
            comment=comment,
            expected_version=version,
            now=stamp(at),
            acting_of=acting.get,
        )
        version += 1

    for _ in range(approvals):
        if status != "pending":
            break
        act("approve", rng.choice(("", "", "확인했습니다.", "승인합니다.")), by_acting=plan == "acted")
    if status == "pending" and plan == "rejected":
        act("reject", rng.choice(REJECT_REASONS))
    elif status == "pending" and plan == "on_hold" and "hold" in workflow.allowed_actions(_current(steps)):
        act("hold", rng.choice(HOLD_COMMENTS))
    elif status == "pending" and plan == "withdrawn":
        status, version, at = workflow.withdraw(status, steps), version + 1, at + timedelta(minutes=30)
    return status, version, at


def seed_approvals(
    conn: sqlite3.Connection, org: Org, today: date, rng: random.Random, acting: dict[str, str]
) -> int:
    """Insert the items; `acting` maps the absent approver to their acting approver. Returns the count."""
    end = datetime.combine(today, time(0), KST)
    make = _Maker(rng, today)
    drafts = _drafts(org, make)
    for draft in drafts:
        new = draft.new
        steps = workflow.build_line(
            new.type, new.requester_no, new.amount, line_roles(conn, new.requester_no)
        )
        status, version, updated = _play(draft, steps, make, acting, end)
        created, updated_at = stamp(draft.created), stamp(updated)
        insert_item(conn, new, steps, status=status, version=version, created=created, updated=updated_at)
    return len(drafts)
