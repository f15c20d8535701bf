"""The demo employees a playground visitor can act as, and their ids on each platform.

`demo_users` is the one function to swap when the list should come from the ERP port: it gets the
container and returns DemoUsers; every id below is derived from `DemoUser.key` alone.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from commands.errors import ChatOpsError

if TYPE_CHECKING:
    from bot.bootstrap import Container

_NAMESPACE = uuid.UUID("0b7c8a7e-3f0e-4e33-9d8a-6b1f5b2c9e10")
TEAMS_TENANT_ID = str(uuid.uuid5(_NAMESPACE, "tenant"))
TEAMS_BOT_ID = "28:playground-bot"
TEAMS_BOT_NAME = "ChatOps"
SLACK_TEAM_ID = "TPLAYGRND"
SLACK_TEAM_DOMAIN = "playground"
SLACK_APP_ID = "APLAYGRND"
SLACK_BOT_USER_ID = "UPLAYBOT0"
SLACK_BOT_ID = "BPLAYBOT0"
COMPANY = "한빛테크"


@dataclass(frozen=True)
class DemoUser:
    key: str  # stable slug, [a-z0-9.-]
    name: str
    email: str
    locale: str  # BCP 47, as the platform would report it (ko-KR, en-US)
    title: str = ""
    department: str = ""

    def public(self) -> dict[str, Any]:
        return {**asdict(self), "lang": self.locale.split("-")[0]}


BUILT_IN_USERS: tuple[DemoUser, ...] = (
    DemoUser("minjun.kim", "김민준", "minjun.kim@hanbit.example", "ko-KR", "과장", "영업1팀"),
    DemoUser("seoyeon.lee", "이서연", "seoyeon.lee@hanbit.example", "ko-KR", "팀장", "재무팀"),
    DemoUser("jiho.park", "박지호", "jiho.park@hanbit.example", "ko-KR", "대리", "구매팀"),
    DemoUser("sua.choi", "최수아", "sua.choi@hanbit.example", "ko-KR", "본부장", "영업본부"),
    DemoUser("daniel.kang", "Daniel Kang", "daniel.kang@hanbit.example", "en-US", "Manager", "R&D"),
    DemoUser("grace.yoon", "Grace Yoon", "grace.yoon@hanbit.example", "en-US", "Associate", "Quality"),
)


async def demo_users(container: Container) -> list[DemoUser]:
    """Who can be picked in the playground: the ERP's employees (the demo company), so a picked user is
    linked by email on first contact and receives the approval cards, digests and nudges meant for them.
    Falls back to the built-in list when the ERP cannot be read."""
    erp = container.services.erp
    if erp is None:
        return list(BUILT_IN_USERS)
    try:
        employees = await erp.list_employees()
    except ChatOpsError:
        return list(BUILT_IN_USERS)
    users = [
        DemoUser(e.email.split("@")[0], e.name, e.email, "ko-KR", e.position or e.title, e.department_name)
        for e in employees
        if e.email
    ]
    known = {u.key for u in users}
    return users + [u for u in BUILT_IN_USERS if u.key not in known]  # guests: not in the ERP, unlinked


def find_user(users: list[DemoUser], key: str) -> DemoUser | None:
    return next((u for u in users if u.key == key), None)


def _suffix(user: DemoUser) -> str:
    return hashlib.sha256(user.key.encode()).hexdigest()[:8].upper()


# Teams ---------------------------------------------------------------------------------------------


def teams_user_id(user: DemoUser) -> str:
    return f"29:playground-{user.key}"


def teams_aad_id(user: DemoUser) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"aad:{user.key}"))


def teams_conversation_id(user: DemoUser) -> str:
    return f"a:playground-{user.key}"


def teams_account(user: DemoUser) -> dict[str, Any]:
    """The roster entry Teams answers for GET …/members/{id} (TeamsChannelAccount)."""
    given, _, surname = user.name.partition(" ")
    return {
        "id": teams_user_id(user),
        "name": user.name,
        "aadObjectId": teams_aad_id(user),
        "email": user.email,
        "userPrincipalName": user.email,
        "givenName": given,
        "surname": surname,
        "tenantId": TEAMS_TENANT_ID,
        "userRole": "user",
    }


# Slack ---------------------------------------------------------------------------------------------


def slack_user_id(user: DemoUser) -> str:
    return "U" + _suffix(user)


def slack_dm_channel(user: DemoUser) -> str:
    return "D" + _suffix(user)


def slack_profile(user: DemoUser) -> dict[str, Any]:
    """The `user` object of users.info / users.lookupByEmail."""
    return {
        "id": slack_user_id(user),
        "team_id": SLACK_TEAM_ID,
        "name": user.key,
        "real_name": user.name,
        "tz": "Asia/Seoul",
        "locale": user.locale,
        "is_bot": False,
        "profile": {
            "real_name": user.name,
            "display_name": user.name,
            "email": user.email,
            "title": user.title,
        },
    }
