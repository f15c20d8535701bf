"""Who a Slack user is: name, email and locale from users.info, cached, stored via the identity port."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from loguru import logger
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.errors import ChatOpsError
from commands.i18n import normalize_locale
from commands.invocation import Caller, Platform
from commands.ports.identity import IdentityRepository

_TTL_SECONDS = 3600.0
_MAX_ENTRIES = 5000


class SlackProfiles:
    def __init__(
        self,
        client: AsyncWebClient,
        identities: IdentityRepository,
        default_locale: str,
        *,
        lookup_timeout: float = 1.0,
    ) -> None:
        self._client = client
        self._identities = identities
        self._default_locale = default_locale
        self._timeout = lookup_timeout
        self._cache: OrderedDict[tuple[str, str], tuple[float, Caller]] = OrderedDict()

    async def caller(self, team_id: str, user_id: str, name: str = "") -> Caller:
        key = (team_id, user_id)
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < _TTL_SECONDS:
            self._cache.move_to_end(key)
            return hit[1]
        try:
            stored = await self._identities.get(Platform.SLACK, team_id, user_id)
        except ChatOpsError as exc:  # the database is down: who it is can still come from Slack
            logger.warning("slack caller not read from the store: {}", type(exc).__name__)
            stored = None
        if stored and stored.locale:
            caller = Caller(
                Platform.SLACK, user_id, team_id, stored.name or name, "", stored.email, stored.locale
            )
        else:
            caller = await self._lookup(team_id, user_id, name)
        self._cache[key] = (time.monotonic(), caller)
        if len(self._cache) > _MAX_ENTRIES:
            self._cache.popitem(last=False)
        return caller

    def known_locale(self, team_id: str, user_id: str) -> str:
        """The user's locale if already known to this process, else the default; never waits."""
        hit = self._cache.get((team_id, user_id))
        return hit[1].locale if hit else self._default_locale

    async def _lookup(self, team_id: str, user_id: str, name: str) -> Caller:
        locale, email, real_name = "", "", name
        try:
            response = await asyncio.wait_for(
                self._client.users_info(user=user_id, include_locale=True), timeout=self._timeout
            )
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            locale = str(user.get("locale") or "")
            email = str(profile.get("email") or "")
            real_name = str(profile.get("real_name") or user.get("real_name") or name)
        except (SlackApiError, TimeoutError, OSError, ValueError) as exc:
            logger.info("slack users.info failed for {}: {}", user_id, type(exc).__name__)
        return Caller(
            Platform.SLACK,
            user_id,
            team_id,
            real_name,
            "",
            email,
            normalize_locale(locale, self._default_locale),
        )
