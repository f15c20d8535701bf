"""The in-house ERP as the core sees it: org chart, approval items (결재), KPIs.

The wire contract is adapters/erp/openapi.yaml; adapters map it onto these frozen models and map
the ERP's problem codes onto the errors below (all deriving from commands.errors roots).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from commands.errors import Conflict, Forbidden, UserInputError

T = TypeVar("T")


class ApprovalType(StrEnum):
    """Known item types; the ERP may send others, so ApprovalItem.type stays a plain str."""

    PURCHASE_ORDER = "purchase_order"  # 구매요청
    EXPENSE = "expense"  # 경비
    LEAVE = "leave"  # 휴가


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"
    WITHDRAWN = "withdrawn"


class StepKind(StrEnum):
    DRAFT = "draft"  # 기안
    REVIEW = "review"  # 검토
    APPROVE = "approve"  # 결재
    AGREE = "agree"  # 합의
    CC = "cc"  # 참조
    RECEIVE = "receive"  # 수신


class StepState(StrEnum):
    WAITING = "waiting"
    CURRENT = "current"
    APPROVED = "approved"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"
    SKIPPED = "skipped"  # completed by an earlier step's 전결
    READ = "read"  # a 참조/수신 step that was opened


class DecisionAction(StrEnum):
    APPROVE = "approve"  # 승인
    REJECT = "reject"  # 반려 (needs a reason)
    HOLD = "hold"  # 보류


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting Monday
    MONTH = "month"


@dataclass(frozen=True)
class Absence:
    """An absence (부재) with the acting approver (대결자) covering it; both dates inclusive."""

    start: date
    end: date
    acting_employee_no: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Employee:
    employee_no: str
    name: str  # Korean name
    english_name: str
    email: str
    department_code: str
    department_name: str
    title: str  # 직급 (사원, 대리, 과장, 부장, 상무, 대표이사 ...)
    position: str  # 직책 (팀장, 본부장 ...) or ""
    manager_no: str | None
    roles: tuple[str, ...]  # employee, manager, executive, finance, hr, admin
    absence: Absence | None = None

    def absent_on(self, day: date) -> bool:
        return self.absence is not None and self.absence.covers(day)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    parent_code: str | None
    head_no: str | None


@dataclass(frozen=True)
class PersonRef:
    """An employee as embedded in an approval item."""

    employee_no: str
    name: str
    department_code: str
    department_name: str


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str


@dataclass(frozen=True)
class ApprovalStep:
    """One step of the approval line (결재선). `decided_by` differs from the approver when an
    acting approver (대결) decided; then `acting_for` names the absent approver."""

    seq: int
    kind: StepKind
    approver: PersonRef
    state: StepState
    decided_at: datetime | None
    decided_by: str | None
    acting_for: str | None
    comment: str
    final_authority: bool  # 전결: approving this step completes the line
    allowed_actions: tuple[DecisionAction, ...]


@dataclass(frozen=True)
class ApprovalItem:
    id: str
    type: str
    title: str
    requester: PersonRef
    amount: Decimal | None
    currency: str
    lines: tuple[LineItem, ...]
    due_date: date | None
    attachments: tuple[Attachment, ...]
    web_url: str
    status: ApprovalStatus
    version: int  # changes on every change; send it back as expected_version
    created_at: datetime
    updated_at: datetime
    steps: tuple[ApprovalStep, ...]

    @property
    def current_step(self) -> ApprovalStep | None:
        """The step awaiting a decision (current or on hold), if any."""
        return next((s for s in self.steps if s.state in (StepState.CURRENT, StepState.ON_HOLD)), None)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class KpiMetric:
    metric: str
    name: str  # Korean label
    name_en: str
    unit: str
    aggregation: str  # "sum" (flows) or "last" (stocks such as inventory, headcount)
    departments: tuple[str, ...]  # department codes that have data


@dataclass(frozen=True)
class KpiPoint:
    period_start: date
    value: float


@dataclass(frozen=True)
class KpiSeries:
    metric: str
    unit: str
    grain: Grain
    department: str | None
    as_of: datetime  # how fresh the ERP's data is
    points: tuple[KpiPoint, ...]


@dataclass(frozen=True)
class ApprovalEvent:
    """A verified webhook from the ERP: an approval item was created or changed."""

    event_id: str
    type: str  # approval.created | approval.updated
    item_id: str
    version: int
    occurred_at: datetime


class AlreadyDecided(Conflict):
    """The step was decided already (perhaps by this very user); `item` is the current state."""

    key = "erp.already_decided"

    def __init__(self, detail: str = "", *, item: ApprovalItem | None = None, **params: Any) -> None:
        super().__init__(detail, reason="already_decided", **params)
        self.item = item


class ItemChanged(Conflict):
    """The item changed since the user saw it (expected_version mismatch)."""

    key = "erp.item_changed"

    def __init__(self, detail: str = "", *, current_version: int | None = None, **params: Any) -> None:
        super().__init__(detail, reason="item_changed", **params)
        self.current_version = current_version


class NotYourStep(Forbidden):
    """The actor is neither the current approver nor their acting approver (대결자)."""

    key = "erp.not_your_step"


class ReasonRequired(UserInputError):
    """반려 needs a reason."""

    key = "erp.reason_required"


class ErpPort(Protocol):
    """The ERP, as far as the bot needs it. Errors: NotFound, NotYourStep (Forbidden),
    AlreadyDecided / ItemChanged (Conflict), ReasonRequired (UserInputError), UpstreamUnavailable."""

    async def get_employee(self, employee_no: str) -> Employee:
        """One employee; NotFound if unknown."""
        ...

    async def find_employee_by_email(self, email: str) -> Employee | None:
        """The employee with this e-mail (case-insensitive), or None."""
        ...

    async def list_employees(self, *, department: str | None = None) -> list[Employee]:
        """Every employee (all pages), optionally of one department."""
        ...

    async def list_departments(self) -> list[Department]:
        """The org chart's departments (parent_code links them into a tree)."""
        ...

    async def pending_approvals(
        self, approver_no: str, *, limit: int = 20, cursor: str | None = None
    ) -> Page[ApprovalItem]:
        """Items awaiting `approver_no`, including as acting approver (대결); newest first."""
        ...

    async def list_approvals(
        self,
        *,
        status: ApprovalStatus | None = None,
        updated_since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ApprovalItem]:
        """Items by status / change time (for polling when webhooks are not available)."""
        ...

    async def get_approval(self, item_id: str) -> ApprovalItem:
        """One item with its approval line; NotFound if unknown."""
        ...

    async def decide(
        self,
        item_id: str,
        action: DecisionAction,
        *,
        actor_no: str,
        comment: str = "",
        expected_version: int,
        idempotency_key: str,
        on_behalf_of: str | None = None,
    ) -> ApprovalItem:
        """Approve / reject / hold the current step. The same `idempotency_key` never decides twice:
        a retry returns the first outcome. Returns the updated item."""
        ...

    async def set_absence(self, employee_no: str, start: date, end: date, acting_no: str) -> Employee:
        """Record an absence of `employee_no` with `acting_no` as acting approver (대결자)."""
        ...

    async def clear_absence(self, employee_no: str) -> Employee:
        """Remove the employee's absence."""
        ...

    async def list_kpis(self) -> list[KpiMetric]:
        """The catalogue of metrics the ERP serves."""
        ...

    async def kpi_values(
        self,
        metric: str,
        start: date,
        end: date,
        *,
        grain: Grain = Grain.DAY,
        department: str | None = None,
    ) -> KpiSeries:
        """Values of `metric` between `start` and `end` (inclusive) per period; a department includes
        its sub-departments."""
        ...
