"""Who a Teams user is: the email comes from the conversation roster (TeamsInfo.get_member), once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from loguru import logger

from adapters.teams.mapping import caller_of
from commands.invocation import Caller, Platform
from commands.ports.identity import IdentityRepository

_MISS_TTL = 600.0


class TeamsProfiles:
    def __init__(self, identities: IdentityRepository, default_locale: str, *, timeout: float = 1.5) -> None:
        self._identities = identities
        self._default_locale = default_locale
        self._timeout = timeout
        self._misses: dict[tuple[str, str], float] = {}

    async def caller(self, turn_context: TurnContext) -> Caller:
        caller = caller_of(turn_context.activity, self._default_locale)
        if not caller.user_id:
            return caller
        stored = await self._identities.get(Platform.TEAMS, caller.tenant_id, caller.user_id)
        if stored and (stored.email or stored.employee_no):
            return replace(caller, email=stored.email)
        key = (caller.tenant_id, caller.user_id)
        missed = self._misses.get(key)
        if missed is not None and time.monotonic() - missed < _MISS_TTL:
            return caller
        email = await self._roster_email(turn_context, caller.user_id)
        if not email:
            self._misses[key] = time.monotonic()
        return replace(caller, email=email)

    async def _roster_email(self, turn_context: TurnContext, user_id: str) -> str:
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(turn_context, user_id), self._timeout)
        except Exception as exc:  # the connector may refuse, time out or not know the member
            logger.info("teams roster lookup failed for {}: {}", user_id, type(exc).__name__)
            return ""
        return str(getattr(member, "email", "") or getattr(member, "user_principal_name", "") or "")
