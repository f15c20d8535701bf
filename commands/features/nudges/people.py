"""Who a task's assignee is: email → employee (ERP) → chat accounts, and their effective profile.

A `Directory` is loaded once per scan: one paged ERP call for every employee instead of one call per
task, and the preference tables read whole (one row per person or team that changed something).
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.errors import NotFound
from commands.features.nudges.feature import NudgeFeature
from commands.features.nudges.ladder import Profile
from commands.invocation import Platform
from commands.ports.erp import Employee, ErpPort
from commands.ports.identity import ChatUser, IdentityRepository
from commands.ports.nudges import Preferences, TeamDefaults
from commands.ports.outbox import Person


@dataclass(frozen=True)
class Contact:
    """One chat account of an employee."""

    person: Person
    user: ChatUser

    @property
    def platform(self) -> Platform:
        return self.person.platform


class Directory:
    def __init__(
        self,
        employees: list[Employee],
        users: dict[str, Preferences],
        teams: dict[str, TeamDefaults],
        defaults: Profile,
        identities: IdentityRepository,
    ) -> None:
        self._by_email = {e.email.lower(): e for e in employees if e.email}
        self._by_no = {e.employee_no: e for e in employees}
        self._users = users
        self._teams = teams
        self._defaults = defaults
        self._identities = identities
        self._profiles: dict[str, Profile] = {}
        self._contacts: dict[str, list[Contact]] = {}

    @classmethod
    async def load(cls, erp: ErpPort, feature: NudgeFeature, identities: IdentityRepository) -> Directory:
        employees = await erp.list_employees()
        users, teams = await feature.repo.users(), await feature.repo.teams()
        return cls(employees, users, teams, feature.config.defaults, identities)

    def by_email(self, email: str) -> Employee | None:
        return self._by_email.get(email.lower())

    def by_no(self, employee_no: str | None) -> Employee | None:
        return self._by_no.get(employee_no) if employee_no else None

    def team(self, department_code: str) -> TeamDefaults | None:
        return self._teams.get(department_code)

    def profile(self, employee: Employee) -> Profile:
        found = self._profiles.get(employee.employee_no)
        if found is None:
            team = self._teams.get(employee.department_code)
            found = self._defaults.merged(self._users.get(employee.employee_no), team.prefs if team else None)
            self._profiles[employee.employee_no] = found
        return found

    def team_profile(self, employee: Employee) -> Profile:
        """The department's defaults over the company's (escalations follow the team's clock)."""
        key = f"team:{employee.department_code}"
        found = self._profiles.get(key)
        if found is None:
            team = self._teams.get(employee.department_code)
            found = self._defaults.merged(team.prefs if team else None)
            self._profiles[key] = found
        return found

    async def contacts(self, employee_no: str) -> list[Contact]:
        found = self._contacts.get(employee_no)
        if found is None:
            found = await contacts_of(self._identities, employee_no)
            self._contacts[employee_no] = found
        return found


async def contacts_of(identities: IdentityRepository, employee_no: str) -> list[Contact]:
    """Every chat account linked to the employee (one per platform at most)."""
    users = await identities.find_by_employee(employee_no)
    return [Contact(Person(u.platform, u.tenant_id, u.user_id), u) for u in users]


async def profile_of(feature: NudgeFeature, employee: Employee) -> Profile:
    """One employee's effective profile, read fresh (commands and clicks)."""
    team = await feature.repo.team(employee.department_code)
    own = await feature.repo.user(employee.employee_no)
    return feature.config.defaults.merged(own, team.prefs if team else None)


async def employee_of(erp: ErpPort, employee_no: str) -> Employee:
    try:
        return await erp.get_employee(employee_no)
    except NotFound:
        raise NotFound(employee_no, key="error.not_linked") from None


def is_assignee(employee: Employee, emails: tuple[str, ...]) -> bool:
    """Whether the employee is among a task's assignees (by email, case-insensitive)."""
    mine = employee.email.lower()
    return bool(mine) and any(mine == email.lower() for email in emails)
