"""AuditLog on SQL: append and read the approvals' audit log; nothing here updates or deletes."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from commands.ports.audit import AuditEvent, AuditRecord
from commands.ports.clock import Clock, SystemClock
from store.db import Database
from store.sql import fetch_all
from store.tables.audit import AUDIT_EVENT as _T

# Descriptive fields are clipped to their column widths (PostgreSQL would refuse a longer value and the
# audit line would be lost); `event` and `item_id` never are (a clipped id would name another item).
_CLIPPED = (
    "actor_employee_no",
    "platform",
    "platform_user_id",
    "tenant_id",
    "action",
    "outcome",
    "on_behalf_of",
)
_WIDTH: dict[str, int | None] = {name: getattr(_T.c[name].type, "length", None) for name in _CLIPPED}


class SqlAuditLog:
    """Implements commands.ports.audit.AuditLog, plus `stream()` for exports. Records carry their own
    `at` (aware; a naive one is refused); `clock` is accepted so that every repository is built alike."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    async def append(self, record: AuditRecord) -> None:
        """Add a record (its `id` is ignored); records are never changed or deleted. A record with the
        `once_key` of an earlier one is not added, also when both arrive at once (unique index)."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = insert(_T).values(_values(record)).on_conflict_do_nothing(index_elements=["once_key"])
        await self._db.run(lambda session: session.execute(stmt))

    async def stream(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        item_id: str | None = None,
        page_size: int = 500,
    ) -> AsyncIterator[AuditRecord]:
        """Every matching record, oldest first (`since` <= at < `until`), read `page_size` rows at a time
        by keyset on (at, id), so a large export never holds the whole log in memory."""
        after: tuple[datetime, int] | None = None
        while True:
            page = await self._page(since, until, item_id, after, max(page_size, 1))
            for record in page:
                yield record
            if len(page) < page_size:
                return
            last = page[-1]
            after = (last.at, last.id or 0)

    async def _page(
        self,
        since: datetime | None,
        until: datetime | None,
        item_id: str | None,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> builtins.list[AuditRecord]:
        where: builtins.list[ColumnElement[bool]] = []
        if since is not None:
            where.append(_T.c.at >= since)
        if until is not None:
            where.append(_T.c.at < until)
        if item_id is not None:
            where.append(_T.c.item_id == item_id)
        if after is not None:
            at, row_id = after
            where.append(or_(_T.c.at > at, and_(_T.c.at == at, _T.c.id > row_id)))
        stmt = select(_T).where(*where).order_by(_T.c.at, _T.c.id).limit(limit)
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_record(row) for row in rows]

    # Last, so that `list` in the annotations above still means the builtin.
    async def list(
        self, *, since: datetime | None = None, item_id: str | None = None, limit: int = 1000
    ) -> builtins.list[AuditRecord]:
        """Records in time order (oldest first, ties by insertion), optionally from `since` (inclusive)
        and for one item; at most `limit`."""
        if limit <= 0:
            return []
        return await self._page(since, None, item_id, None, limit)


def _values(record: AuditRecord) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(record, name)[: _WIDTH[name]] for name in _CLIPPED}
    return values | {
        "at": record.at,
        "event": AuditEvent(record.event).value,
        "item_id": record.item_id,
        "detail": dict(record.detail),
        "once_key": record.once_key or None,  # never clipped: a shortened key could match another
    }


def _to_record(row: RowMapping) -> AuditRecord:
    return AuditRecord(
        event=AuditEvent(row["event"]),
        item_id=row["item_id"],
        at=row["at"],
        actor_employee_no=row["actor_employee_no"],
        platform=row["platform"],
        platform_user_id=row["platform_user_id"],
        tenant_id=row["tenant_id"],
        action=row["action"],
        outcome=row["outcome"],
        on_behalf_of=row["on_behalf_of"],
        detail=dict(row["detail"]),
        once_key=row["once_key"] or "",
        id=row["id"],
    )
