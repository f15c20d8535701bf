"""Who may see which slice of a KPI, decided on the server from the caller's employee record.

Executives see everything. The catalogue's `visibility` grants the rest: its roles and departments see
everything; managers their own department(s) (with sub-departments); everyone else the company total,
their own department, or nothing. A request outside the grant is refused without showing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.errors import Forbidden, UserInputError
from commands.features.kpi.catalogue import KpiEntry
from commands.features.kpi.org import OrgChart
from commands.ports.erp import Employee

EXECUTIVE = "executive"
MANAGER = "manager"


@dataclass(frozen=True)
class Grant:
    """What one employee may see of one KPI: `everything`, the `company` total, and/or `departments`
    (each with its sub-departments). `home` is shown when no department is asked for."""

    everything: bool = False
    company: bool = False
    departments: frozenset[str] = frozenset()
    home: str | None = None

    @property
    def visible(self) -> bool:
        return self.everything or self.company or bool(self.departments)


def has_data(entry: KpiEntry, code: str, chart: OrgChart) -> bool:
    """Whether the department (with its sub-departments) has any data for the KPI."""
    return bool(chart.subtree(code) & set(entry.departments))


def grant_for(entry: KpiEntry, employee: Employee, chart: OrgChart) -> Grant:
    rules = entry.visibility
    roles = set(employee.roles)
    privileged = {code for dept in rules.departments for code in chart.subtree(dept)}
    if EXECUTIVE in roles or roles & set(rules.roles) or employee.department_code in privileged:
        return Grant(everything=True)
    own = [employee.department_code]
    departments: set[str] = set()
    if MANAGER in roles and rules.managers == "all":
        return Grant(everything=True)
    if MANAGER in roles and rules.managers == "own":
        own += chart.headed_by(employee.employee_no)
        departments |= {code for dept in own for code in chart.subtree(dept)}
    if rules.everyone == "own":
        departments |= chart.subtree(employee.department_code)
    with_data = frozenset(code for code in departments if has_data(entry, code, chart))
    home = next((code for code in own if code in with_data), None)
    return Grant(company=rules.everyone == "company", departments=with_data, home=home)


def resolve(entry: KpiEntry, grant: Grant, requested: str | None, chart: OrgChart, name: str) -> str | None:
    """The department to show (None: the company). Forbidden when the grant does not cover it;
    UserInputError when the department has no data for this KPI."""
    if not grant.visible:
        raise Forbidden(f"{entry.id}: nothing granted", key="kpi.denied", kpi=name)
    if requested is None:
        if grant.everything or grant.company:
            return None
        if grant.home is not None:
            return grant.home
        raise Forbidden(f"{entry.id}: nothing granted", key="kpi.denied", kpi=name)
    if not has_data(entry, requested, chart):
        raise UserInputError(
            requested, key="kpi.no_department_data", kpi=name, department=chart.name(requested)
        )
    if grant.everything or requested in grant.departments:
        return requested
    raise Forbidden(
        f"{entry.id}: {requested} not granted",
        key="kpi.denied_department",
        kpi=name,
        department=chart.name(requested),
    )
