"""TargetRepository on SQL: durable conversation references for proactive messages."""

from __future__ import annotations

import builtins
import hashlib
import json
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, case, select, update

from commands.invocation import ConversationKind, Platform
from commands.ports.clock import Clock, SystemClock
from commands.ports.targets import Target
from store.cache import LruCache, SingleFlight
from store.db import Database
from store.sql import Excluded, fetch_all, fetch_one, upsert
from store.tables import TARGET as _TABLE

_KEY = ("platform", "tenant_id", "conversation_id")
_REASON_WIDTH = 255
# How long a row this process wrote is trusted to be still in the database (see SqlTargetRepository).
WRITE_TRUST_SECONDS = 5.0
_SCALARS = (str, int, bool, type(None))  # JSON values whose == means the same JSON text

Key = tuple[str, str, str]


class SqlTargetRepository:
    """Implements commands.ports.targets.TargetRepository.

    Adapters upsert a target on every inbound activity. A per-process LRU remembers the row this
    process last wrote for a conversation, and an upsert that would write exactly that again is
    skipped while the write is less than `cache_ttl` seconds old (a hit does not extend it). This
    process's own deactivate() and any read that shows a different row drop the entry at once; what
    another process changes meanwhile (a deactivation, another reference) is overwritten by the
    first contact after the window. Keep the window short: it is how long such a change can go
    unanswered, while a burst of commands from one conversation writes once per window.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        cache_size: int = 4096,
        cache_ttl: float = WRITE_TRUST_SECONDS,
    ) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        self._cache: LruCache[Key, tuple[bytes, Target]] = LruCache(cache_size, cache_ttl)
        self._writes: SingleFlight[tuple[Key, bytes], RowMapping | None] = SingleFlight()  # same for upserts

    async def upsert(self, target: Target) -> Target:
        """Insert or update by (platform, tenant_id, conversation_id); re-activates the target.
        An empty `user_id` keeps the stored one."""
        key = (target.platform.value, target.tenant_id, target.conversation_id)
        cached = self._cache.get(key)
        if cached is not None and cached[1].active and _unchanged(target, *cached):
            return cached[1]
        now = self._clock.now()
        values = {
            **dict(zip(_KEY, key, strict=True)),
            "kind": target.kind.value,
            "user_id": target.user_id,
            "reference": target.reference,
            "active": True,
            "inactive_reason": "",
            "created_at": now,
            "updated_at": now,
        }

        def changes(excluded: Excluded) -> dict[str, Any]:
            return {
                "kind": excluded.kind,
                "user_id": case((excluded.user_id != "", excluded.user_id), else_=_TABLE.c.user_id),
                "reference": excluded.reference,
                "active": True,
                "inactive_reason": "",
                "updated_at": excluded.updated_at,
            }

        stmt = upsert(self._db.dialect, _TABLE, values, keys=_KEY, update=changes)
        flight = (key, _fingerprint(target))
        row = await self._writes.run(flight, lambda: self._db.run(lambda session: fetch_one(session, stmt)))
        if row is None:  # pragma: no cover - an upsert without WHERE always returns its row
            raise RuntimeError("target upsert returned no row")
        stored = _to_target(row)
        self._cache.put(key, (_fingerprint(stored), stored))
        return stored

    async def get(self, target_id: int) -> Target | None:
        """The target with this id, or None."""
        return await self._one(_TABLE.c.id == target_id)

    async def find(self, platform: Platform, tenant_id: str, conversation_id: str) -> Target | None:
        """The target of a conversation, or None."""
        return await self._one(_key_clause((platform.value, tenant_id, conversation_id)))

    async def personal_for(self, platform: Platform, tenant_id: str, user_id: str) -> Target | None:
        """The active 1:1 conversation with a user, if known (the most recently refreshed one)."""
        stmt = (
            select(_TABLE)
            .where(
                _TABLE.c.platform == platform.value,
                _TABLE.c.tenant_id == tenant_id,
                _TABLE.c.user_id == user_id,
                _TABLE.c.kind == ConversationKind.PERSONAL.value,
                _TABLE.c.active.is_(True),
            )
            .order_by(_TABLE.c.updated_at.desc(), _TABLE.c.id.desc())
            .limit(1)
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return None if row is None else self._seen(_to_target(row))

    async def deactivate(self, target_id: int, reason: str) -> None:
        """Mark the target unusable (bot removed, not_in_channel, user gone); unknown ids are ignored."""
        stmt = (
            update(_TABLE)
            .where(_TABLE.c.id == target_id)
            .values(active=False, inactive_reason=reason[:_REASON_WIDTH], updated_at=self._clock.now())
            .returning(*(_TABLE.c[name] for name in _KEY))
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        if row is not None:
            self._cache.pop((row["platform"], row["tenant_id"], row["conversation_id"]))

    async def _one(self, where: ColumnElement[bool]) -> Target | None:
        row = await self._db.run(lambda session: fetch_one(session, select(_TABLE).where(where)))
        return None if row is None else self._seen(_to_target(row))

    def _seen(self, target: Target) -> Target:
        """A row just read: forget what this process wrote for it if the row is no longer that."""
        key = (target.platform.value, target.tenant_id, target.conversation_id)
        cached = self._cache.get(key)
        if cached is not None and (not target.active or _fingerprint(target) != cached[0]):
            self._cache.pop(key)
        return target

    # Last, so that `list` in the annotations above still means the builtin.
    async def list(
        self, *, platform: Platform | None = None, active: bool | None = None
    ) -> builtins.list[Target]:
        """Targets, oldest first, optionally only one platform's and/or only (in)active ones."""
        stmt = select(_TABLE).order_by(_TABLE.c.id)
        if platform is not None:
            stmt = stmt.where(_TABLE.c.platform == platform.value)
        if active is not None:
            stmt = stmt.where(_TABLE.c.active.is_(active))
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [self._seen(_to_target(row)) for row in rows]


def _key_clause(key: Key) -> ColumnElement[bool]:
    return and_(*(_TABLE.c[name] == value for name, value in zip(_KEY, key, strict=True)))


def _fingerprint(target: Target, user_id: str | None = None) -> bytes:
    """What an upsert would change: kind, user (`user_id` if given) and reference (active is checked
    separately)."""
    user = target.user_id if user_id is None else user_id
    payload = json.dumps([target.kind.value, user, target.reference], sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=16).digest()


def _unchanged(target: Target, fingerprint: bytes, stored: Target) -> bool:
    """Would upserting `target` write exactly the stored row again? An empty user_id keeps the stored one.

    The usual case (the same kind, user and reference, of the same types) is decided without JSON."""
    user_id = target.user_id or stored.user_id
    if (
        target.kind is stored.kind
        and user_id == stored.user_id
        and _same_json(target.reference, stored.reference)
    ):
        return True
    return _fingerprint(target, user_id) == fingerprint


def _same_json(a: object, b: object) -> bool:
    """True when `a` and `b` are the same JSON value held in the same Python types, so that any JSON
    encoding gives the same text; False when unsure (floats, where -0.0 == 0.0, or other types)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        for name, value in a.items():
            other = b[name]
            if type(name) is not str:
                return False
            if type(value) is str and type(other) is str:
                if value != other:
                    return False
            elif not _same_json(value, other):
                return False
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) in _SCALARS and a == b


def _to_target(row: RowMapping) -> Target:
    return Target(
        platform=Platform(row["platform"]),
        tenant_id=row["tenant_id"],
        conversation_id=row["conversation_id"],
        kind=ConversationKind(row["kind"]),
        user_id=row["user_id"],
        reference=dict(row["reference"]),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
        id=row["id"],
        updated_at=row["updated_at"],
    )
