"""DecisionQueue on SQL: decisions the ERP could not take yet, claimed with a lease, sent once.

Claiming. `due()` is one statement: `WITH picked AS MATERIALIZED (SELECT id … LIMIT n FOR UPDATE
SKIP LOCKED) UPDATE decision_queue SET claimed_by, claimed_until = now+lease FROM picked WHERE id =
picked.id AND <still due> RETURNING …`. On PostgreSQL,
SKIP LOCKED lets replicas claim side by side without waiting for or taking each other's rows; SQLite
ignores the locking clause and serialises writers, and the outer WHERE repeats the "due and not leased"
condition, so a row is never leased twice. A live lease hides a row from every worker, its holder
included (a worker polling again while still sending must not send twice); `mark()` releases it, and a
worker that dies leaves the row to others once `claimed_until` passes.

Final states are final: `mark()` only changes a pending row, so a late outcome from a worker whose
lease ran out cannot reopen a decision another worker already sent.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from commands.ports.clock import Clock, SystemClock
from commands.ports.decisions import QueuedDecision, QueuedDecisionStatus
from store.db import Database
from store.sql import fetch_all, fetch_one
from store.tables.decisions import DECISION_QUEUE as _T

_PENDING = QueuedDecisionStatus.PENDING.value
_ERROR_WIDTH = 500
_WORKER_WIDTH = 64


def default_worker_id() -> str:
    """host:pid:random, unique per queue instance."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-_WORKER_WIDTH:]


class SqlDecisionQueue:
    """Implements commands.ports.decisions.DecisionQueue. `lease_seconds` is how long a claimed row stays
    hidden from other workers; keep it well above the time one ERP call may take."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        lease_seconds: float = 60,
        worker_id: str | None = None,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self._db = db
        self._clock = clock or SystemClock()
        self._lease = timedelta(seconds=lease_seconds)
        self.worker_id = (worker_id or default_worker_id())[:_WORKER_WIDTH]

    async def add(self, decision: QueuedDecision) -> bool:
        """INSERT … ON CONFLICT (idempotency_key) DO NOTHING: True when the row is new."""
        now = self._clock.now()
        values = {
            "idempotency_key": decision.idempotency_key,
            "item_id": decision.item_id,
            "action": decision.action,
            "actor_employee_no": decision.actor_employee_no,
            "expected_version": decision.expected_version,
            "comment": decision.comment,
            "on_behalf_of": decision.on_behalf_of,
            "platform": decision.platform,
            "platform_user_id": decision.platform_user_id,
            "tenant_id": decision.tenant_id,
            "locale": decision.locale,
            "status": QueuedDecisionStatus(decision.status).value,
            "attempts": decision.attempts,
            "next_attempt_at": decision.next_attempt_at,
            "last_error": decision.last_error[:_ERROR_WIDTH],
            "created_at": decision.created_at or now,
            "updated_at": now,
        }
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(_T)
            .values(values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(_T.c.id)
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return row is not None

    async def due(self, now: datetime, *, limit: int = 50) -> list[QueuedDecision]:
        """Lease up to `limit` pending decisions due at `now` to this worker, oldest first."""
        if limit <= 0:
            return []
        # Materialized: evaluated once. Inlined as `id IN (…)`, PostgreSQL may run the subquery again for
        # each row, skip the rows this very UPDATE just changed and so lease more than `limit`.
        picked = (
            select(_T.c.id)
            .where(_claimable(now))
            .order_by(_T.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("picked")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        stmt = (
            update(_T)
            .where(_T.c.id == picked.c.id, _claimable(now))
            .values(claimed_by=self.worker_id, claimed_until=now + self._lease, updated_at=now)
            .returning(*_T.c)
        )
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return sorted((_to_decision(row) for row in rows), key=lambda d: d.id or 0)

    async def mark(
        self,
        idempotency_key: str,
        status: QueuedDecisionStatus,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record an attempt's outcome and release the lease; attempts+1 when it stays pending (then
        `next_attempt_at` None means due at once). A row already sent, rejected or dead, or an unknown
        key, is left alone."""
        status = QueuedDecisionStatus(status)
        stays = status is QueuedDecisionStatus.PENDING
        values: dict[str, Any] = {
            "status": status.value,
            "last_error": error[:_ERROR_WIDTH],
            "next_attempt_at": next_attempt_at,
            "claimed_by": None,
            "claimed_until": None,
            "updated_at": self._clock.now(),
        }
        if stays:
            values["attempts"] = _T.c.attempts + 1
        stmt = (
            update(_T).where(_T.c.idempotency_key == idempotency_key, _T.c.status == _PENDING).values(values)
        )
        await self._db.run(lambda session: session.execute(stmt))

    async def get(self, idempotency_key: str) -> QueuedDecision | None:
        """The stored decision of a key, whatever its status, or None."""
        stmt = select(_T).where(_T.c.idempotency_key == idempotency_key)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return None if row is None else _to_decision(row)

    async def pending_for_item(self, item_id: str) -> list[QueuedDecision]:
        """Pending decisions of one item, oldest first (leased ones included: not sent yet)."""
        stmt = select(_T).where(_T.c.item_id == item_id, _T.c.status == _PENDING).order_by(_T.c.id)
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_decision(row) for row in rows]


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, due (NULL means now), and not leased (or the lease ran out)."""
    return and_(
        _T.c.status == _PENDING,
        or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= now),
        or_(_T.c.claimed_until.is_(None), _T.c.claimed_until < now),
    )


def _to_decision(row: RowMapping) -> QueuedDecision:
    return QueuedDecision(
        idempotency_key=row["idempotency_key"],
        item_id=row["item_id"],
        action=row["action"],
        actor_employee_no=row["actor_employee_no"],
        expected_version=row["expected_version"],
        comment=row["comment"],
        on_behalf_of=row["on_behalf_of"],
        platform=row["platform"],
        platform_user_id=row["platform_user_id"],
        tenant_id=row["tenant_id"],
        locale=row["locale"],
        status=QueuedDecisionStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        id=row["id"],
    )
