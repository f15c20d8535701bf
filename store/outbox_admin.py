"""The operator's side of the outbox (`chatops outbox`): dead letters, revival, purging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, update

from commands.ports.outbox import Delivery, DeliveryStatus
from store.db import Database
from store.outbox import SqlOutboxRepository
from store.outbox_sql import rowcount, to_delivery
from store.sql import fetch_all
from store.tables.outbox import OUTBOX as _T


class SqlOutboxAdmin:
    """Dead letters and housekeeping (the worker's side is store.outbox.SqlOutboxRepository)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._repo = SqlOutboxRepository(db)

    async def counts(self) -> dict[str, int]:
        """How many rows per status."""
        return await self._repo.counts()

    async def dead(self, limit: int = 100) -> list[Delivery]:
        """Dead letters, newest first."""
        stmt = (
            select(_T).where(_T.c.status == DeliveryStatus.DEAD.value).order_by(_T.c.id.desc()).limit(limit)
        )
        return [to_delivery(row) for row in await self._db.run(lambda s: fetch_all(s, stmt))]

    async def revive(self, now: datetime, row_ids: Sequence[int] | None = None) -> int:
        """Dead (or cancelled, when named by id) rows back to pending with their attempts reset;
        `row_ids=None` revives every dead row. How many were revived."""
        if row_ids is None:
            where: ColumnElement[bool] = _T.c.status == DeliveryStatus.DEAD.value
        else:
            where = and_(
                _T.c.id.in_(list(row_ids)),
                _T.c.status.in_((DeliveryStatus.DEAD.value, DeliveryStatus.CANCELLED.value)),
            )
        stmt = (
            update(_T)
            .where(where)
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                throttled=0,
                next_attempt_at=now,
                queued_at=now,
                updated_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return await self._db.run(lambda s: rowcount(s, stmt))

    async def purge(self, before: datetime) -> int:
        """Delete sent and cancelled rows last touched before `before`; how many."""
        done = (DeliveryStatus.SENT.value, DeliveryStatus.CANCELLED.value)
        stmt = delete(_T).where(_T.c.status.in_(done), _T.c.updated_at < before)
        return await self._db.run(lambda s: rowcount(s, stmt))
