"""Automatic linking of chat users to employees by the email their platform vouches for."""

from __future__ import annotations

import time

from loguru import logger

from commands.errors import ChatOpsError
from commands.invocation import Caller
from commands.ports.erp import ErpPort
from commands.ports.identity import ChatUser, IdentityRepository

_RETRY_AFTER_SECONDS = 600.0


class AutoLinker:
    """Links an unlinked user whose platform email matches an employee's. Misses are remembered for a
    while so an unknown email does not cost an ERP call on every command."""

    def __init__(self, identities: IdentityRepository, erp: ErpPort) -> None:
        self._identities = identities
        self._erp = erp
        self._misses: dict[str, float] = {}

    async def ensure(self, caller: Caller, user: ChatUser) -> ChatUser:
        email = (caller.email or user.email).strip().lower()
        if user.employee_no or not email:
            return user
        missed = self._misses.get(email)
        if missed is not None and time.monotonic() - missed < _RETRY_AFTER_SECONDS:
            return user
        try:
            employee = await self._erp.find_employee_by_email(email)
            if employee is None:
                self._misses[email] = time.monotonic()
                return user
            linked = await self._identities.link(
                caller.platform, caller.tenant_id, caller.user_id, employee.employee_no, "email"
            )
        except ChatOpsError as exc:
            logger.info("auto-link skipped for {}: {}", caller.user_id, type(exc).__name__)
            return user
        logger.info(
            "linked {}:{} to employee {} by email", caller.platform, caller.user_id, employee.employee_no
        )
        return linked
