"""Escalation: an item overdue by N business days goes, once per level, to the assignee's manager (level 2
to the manager's manager, and so on) and/or to the team's escalation channel."""

from __future__ import annotations

from commands.features.nudges.feature import EscalateTo, NudgeConfig
from commands.features.nudges.people import Directory
from commands.ports.erp import Employee

EMPLOYEE = "emp:"
TARGET = "target:"


def boss_at(employee: Employee, level: int, directory: Directory) -> Employee | None:
    """The manager `level` steps up the org chart, or None when the chart ends before."""
    boss: Employee | None = employee
    for _ in range(level):
        boss = directory.by_no(boss.manager_no) if boss is not None else None
    if boss is None or boss.employee_no == employee.employee_no:
        return None
    return boss


def channel_for(employee: Employee, directory: Directory, config: NudgeConfig) -> int | None:
    """The team's escalation channel, else the company's."""
    team = directory.team(employee.department_code)
    if team is not None and team.escalation_target_id is not None:
        return team.escalation_target_id
    return config.escalation_target_id


def recipients(
    employee: Employee, level: int, directory: Directory, config: NudgeConfig
) -> list[tuple[str, str]]:
    """(step, recipient) pairs for escalation `level`: ("e1", "emp:2009002"), ("e1c", "target:7").
    Without a manager to ask, the channel is used even when only managers were configured."""
    found: list[tuple[str, str]] = []
    if config.escalate_to in (EscalateTo.MANAGER, EscalateTo.BOTH):
        boss = boss_at(employee, level, directory)
        if boss is not None:
            found.append((f"e{level}", f"{EMPLOYEE}{boss.employee_no}"))
    if config.escalate_to in (EscalateTo.CHANNEL, EscalateTo.BOTH) or not found:
        target_id = channel_for(employee, directory, config)
        if target_id is not None:
            found.append((f"e{level}c", f"{TARGET}{target_id}"))
    return found
