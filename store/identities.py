"""IdentityRepository on SQL: chat users and their employee link, with a write-skipping cache."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.errors import Conflict
from commands.invocation import Caller, Platform
from commands.ports.clock import Clock, SystemClock
from commands.ports.identity import ChatUser
from store.cache import LruCache, SingleFlight
from store.db import Database
from store.sql import Excluded, fetch_all, fetch_one, upsert
from store.tables import CHAT_USER as _TABLE

_KEY = ("platform", "tenant_id", "user_id")
# Profile fields a caller may refresh; an empty incoming value never replaces a stored one.
_PROFILE = ("name", "email", "aad_object_id", "locale")
_WIDTH: dict[str, int | None] = {f: getattr(_TABLE.c[f].type, "length", None) for f in _PROFILE}
# How long a row this process wrote or read is trusted (see SqlIdentityRepository).
READ_TRUST_SECONDS = 5.0

Key = tuple[str, str, str]


class SqlIdentityRepository:
    """Implements commands.ports.identity.IdentityRepository.

    `remember()` runs on every inbound command: a per-process LRU (`cache_size` entries) of the rows
    this process last wrote or read lets it skip the database entirely when the caller brings nothing
    new. An entry is trusted for `cache_ttl` seconds from that write or read (a hit does not extend
    it): that is how long a link, unlink or profile change made by another process can go unseen here,
    so keep it short; a burst of commands from one user still reads once per window.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        cache_size: int = 4096,
        cache_ttl: float = READ_TRUST_SECONDS,
    ) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        self._cache: LruCache[Key, ChatUser] = LruCache(cache_size, cache_ttl)
        self._writes: SingleFlight[Caller, ChatUser] = SingleFlight()  # identical concurrent writes: one

    async def remember(self, caller: Caller) -> ChatUser:
        """Insert or refresh what we know of `caller`; returns the stored row (with any link)."""
        key = (caller.platform.value, caller.tenant_id, caller.user_id)
        cached = self._cache.get(key)
        if cached is not None and _nothing_new(cached, caller):
            return cached
        user = await self._writes.run(caller, lambda: self._db.run(lambda s: self._remember(s, caller)))
        self._cache.put(key, user)
        return user

    async def get(self, platform: Platform, tenant_id: str, user_id: str) -> ChatUser | None:
        """The stored user, or None (always read from the database)."""
        key = (platform.value, tenant_id, user_id)
        user = await self._db.run(lambda session: _select_one(session, key))
        if user is None:
            self._cache.pop(key)
        else:
            self._cache.put(key, user)
        return user

    async def link(
        self, platform: Platform, tenant_id: str, user_id: str, employee_no: str, method: str
    ) -> ChatUser:
        """Link the user to an employee, creating the user row if needed. Raises Conflict when another
        chat user of the same platform is already linked to `employee_no`."""
        if not employee_no:
            raise ValueError("employee_no must not be empty")
        key = (platform.value, tenant_id, user_id)
        now = self._clock.now()
        link = {"employee_no": employee_no, "link_method": method, "linked_at": now, "updated_at": now}
        values = {"platform": key[0], "tenant_id": tenant_id, "user_id": user_id, "created_at": now, **link}
        stmt = upsert(self._db.dialect, _TABLE, values, keys=_KEY, update=lambda _excluded: link)
        try:
            row = await self._db.run(lambda session: fetch_one(session, stmt))
        except IntegrityError as exc:
            self._cache.pop(key)
            raise Conflict(
                "employee already linked to another chat user", what=employee_no, employee_no=employee_no
            ) from exc
        if row is None:  # pragma: no cover - an upsert without WHERE always returns its row
            raise RuntimeError("link upsert returned no row")
        user = _to_user(row)
        self._cache.put(key, user)
        return user

    async def unlink(self, platform: Platform, tenant_id: str, user_id: str) -> bool:
        """Remove the link; False if there was none."""
        key = (platform.value, tenant_id, user_id)
        stmt = (
            update(_TABLE)
            .where(_key_clause(key), _TABLE.c.employee_no.is_not(None))
            .values(employee_no=None, link_method=None, linked_at=None, updated_at=self._clock.now())
            .returning(*_TABLE.c)
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        if row is None:
            self._cache.pop(key)
            return False
        self._cache.put(key, _to_user(row))
        return True

    async def find_by_employee(self, employee_no: str) -> list[ChatUser]:
        """Every chat user linked to `employee_no` (one per platform at most)."""

        async def work(session: AsyncSession) -> list[ChatUser]:
            stmt = select(_TABLE).where(_TABLE.c.employee_no == employee_no).order_by(_TABLE.c.platform)
            return [_to_user(row) for row in await fetch_all(session, stmt)]

        return await self._db.run(work)

    async def _remember(self, session: AsyncSession, caller: Caller) -> ChatUser:
        now = self._clock.now()
        profile = _profile(caller)
        key = (caller.platform.value, caller.tenant_id, caller.user_id)
        values = dict(zip(_KEY, key, strict=True)) | profile | {"created_at": now, "updated_at": now}

        def changes(excluded: Excluded) -> dict[str, Any]:
            kept = {f: case((excluded[f] != "", excluded[f]), else_=_TABLE.c[f]) for f in _PROFILE}
            return kept | {"updated_at": excluded.updated_at}

        def differs(excluded: Excluded) -> ColumnElement[bool]:
            return or_(*(and_(excluded[f] != "", excluded[f] != _TABLE.c[f]) for f in _PROFILE))

        stmt = upsert(self._db.dialect, _TABLE, values, keys=_KEY, update=changes, where=differs)
        row = await fetch_one(session, stmt)
        if row is not None:
            return _to_user(row)
        # Nothing new: the conflicting row was left alone (and not returned).
        user = await _select_one(session, key)
        if user is None:  # pragma: no cover - the row exists, ON CONFLICT just saw it
            raise RuntimeError("chat_user row vanished during remember()")
        return user


def _profile(caller: Caller) -> dict[str, str]:
    """The caller's profile fields, clipped to their column widths (PostgreSQL would refuse longer)."""
    return {f: getattr(caller, f)[: _WIDTH[f]] for f in _PROFILE}


def _nothing_new(stored: ChatUser, caller: Caller) -> bool:
    """True when remembering `caller` would leave `stored` as it is: every profile field of the caller
    is empty (kept) or already the stored value."""
    for f in _PROFILE:
        value = getattr(caller, f)[: _WIDTH[f]]
        if value and value != getattr(stored, f):
            return False
    return True


def _key_clause(key: Key) -> ColumnElement[bool]:
    return and_(*(_TABLE.c[name] == value for name, value in zip(_KEY, key, strict=True)))


async def _select_one(session: AsyncSession, key: Key) -> ChatUser | None:
    row = await fetch_one(session, select(_TABLE).where(_key_clause(key)))
    return None if row is None else _to_user(row)


def _to_user(row: RowMapping) -> ChatUser:
    return ChatUser(
        platform=Platform(row["platform"]),
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        aad_object_id=row["aad_object_id"],
        locale=row["locale"],
        employee_no=row["employee_no"] or "",
        linked_at=row["linked_at"],
        link_method=row["link_method"] or "",
    )
