"""Chat users and their link to an employee of the company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.invocation import Caller, Platform


@dataclass(frozen=True)
class ChatUser:
    """What the bot remembers about a chat user."""

    platform: Platform
    tenant_id: str
    user_id: str
    name: str = ""
    email: str = ""
    aad_object_id: str = ""
    locale: str = ""
    employee_no: str = ""
    linked_at: datetime | None = None
    link_method: str = ""  # "email" | "manual"


class IdentityRepository(Protocol):
    async def remember(self, caller: Caller) -> ChatUser:
        """Insert or refresh what we know of `caller`; returns the stored row (with any link)."""
        ...

    async def get(self, platform: Platform, tenant_id: str, user_id: str) -> ChatUser | None:
        """The stored user, or None."""
        ...

    async def link(
        self, platform: Platform, tenant_id: str, user_id: str, employee_no: str, method: str
    ) -> ChatUser:
        """Link the user to an employee (one employee per chat user)."""
        ...

    async def unlink(self, platform: Platform, tenant_id: str, user_id: str) -> bool:
        """Remove the link; False if there was none."""
        ...

    async def find_by_employee(self, employee_no: str) -> list[ChatUser]:
        """Every chat user linked to `employee_no` (one per platform at most)."""
        ...
