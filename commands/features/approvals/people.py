"""Who may decide a step, and how to reach an employee in chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from commands.invocation import Platform
from commands.ports.erp import ApprovalItem, ApprovalStep, Employee, ErpPort, StepKind
from commands.ports.identity import ChatUser, IdentityRepository
from commands.ports.outbox import Person

DECIDING_KINDS = (StepKind.REVIEW, StepKind.APPROVE, StepKind.AGREE)
INFORMED_KINDS = (StepKind.CC, StepKind.RECEIVE)


@dataclass(frozen=True)
class Authority:
    """The caller may decide `step`; `on_behalf_of` is the absent approver when acting (대결)."""

    step: ApprovalStep
    on_behalf_of: str = ""


async def authority(erp: ErpPort, item: ApprovalItem, employee_no: str, today: date) -> Authority | None:
    """The server's decision: the current step's approver, or their acting approver while they are away."""
    step = item.current_step
    if step is None or step.kind not in DECIDING_KINDS:
        return None
    if step.approver.employee_no == employee_no:
        return Authority(step)
    approver = await erp.get_employee(step.approver.employee_no)
    if approver.absence and approver.absent_on(today) and approver.absence.acting_employee_no == employee_no:
        return Authority(step, on_behalf_of=approver.employee_no)
    return None


async def acting_approver(erp: ErpPort, step: ApprovalStep, today: date) -> Employee | None:
    """The acting approver covering the step's approver today, if they are away."""
    approver = await erp.get_employee(step.approver.employee_no)
    if approver.absence and approver.absent_on(today):
        return await erp.get_employee(approver.absence.acting_employee_no)
    return None


@dataclass(frozen=True)
class Contact:
    person: Person
    user: ChatUser

    @property
    def platform(self) -> Platform:
        return self.person.platform


async def contacts(identities: IdentityRepository, employee_no: str) -> list[Contact]:
    """Every chat account linked to the employee (one per platform at most)."""
    users = await identities.find_by_employee(employee_no)
    return [Contact(Person(u.platform, u.tenant_id, u.user_id), u) for u in users]
