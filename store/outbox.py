"""OutboxRepository on SQL: idempotent enqueue, leased claims that keep each conversation in order.

Claiming. One statement leases a batch: `WITH picked AS (SELECT id FROM outbox WHERE id IN (<due
heads>) ORDER BY <longest queue first>, queued_at LIMIT n FOR UPDATE SKIP LOCKED) UPDATE outbox
SET status='sending', claimed_by, claimed_until=now+lease … FROM picked WHERE <still claimable>
RETURNING …`. On PostgreSQL,
SKIP LOCKED lets replicas claim side by side without waiting for or taking each other's rows; SQLite
ignores the locking clause and serialises writers (Database.run queues the process's writes, so they
do not sleep in SQLite's busy handler). The UPDATE repeats the "still claimable" condition, so
a row is never leased twice. A due head is the oldest unfinished row of its conversation (no earlier
pending/sending row with the same conv_key), which keeps every conversation strictly in order across
replicas; a row in backoff holds back the rows behind it. Optionally, busy tenants are skipped and
each tenant gets at most `per_tenant` rows of the batch (a window function ranks the heads per tenant).

At-least-once window. A worker that dies after the platform accepted a message but before mark_sent
leaves the row "sending"; once its lease runs out another worker claims it again (`recovered`) and
sends it a second time. The worker shrinks the window by marking sent in the same coroutine right
after the API call; Slack messages carry the delivery key as message metadata (the Web API has no
idempotency key; see adapters/slack/sender.py), and the Bot Connector has no idempotency key at all
(see adapters/teams/sender.py), so on Teams this window is one possible duplicate per crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Update,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.invocation import Platform
from commands.ports.outbox import Delivery, DeliveryStatus
from commands.ports.targets import Target
from store.db import Database
from store.outbox_sql import claim_order, claimable, due_heads, finish, rowcount, to_delivery
from store.sql import fetch_all, fetch_one
from store.tables import TARGET
from store.tables.outbox import OUTBOX as _T
from store.targets import _to_target

T = TypeVar("T")
_ERROR_WIDTH = 500
_MARK_SENT = (
    update(_T)
    .where(_T.c.id == bindparam("row_id"), _T.c.status != DeliveryStatus.SENT.value)
    .values(
        status=DeliveryStatus.SENT.value,
        platform_message_id=bindparam("message_id"),
        sent_at=bindparam("now"),
        updated_at=bindparam("now"),
        claimed_until=None,
        last_error="",
    )
)


class SqlOutboxRepository:
    """Implements commands.ports.outbox.OutboxRepository (operator queries: store.outbox_admin)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, delivery: Delivery, *, due: datetime) -> bool:
        """INSERT … ON CONFLICT (delivery_key) DO NOTHING: True when the row is new."""
        values = {
            "delivery_key": delivery.delivery_key,
            "platform": delivery.platform.value,
            "tenant_id": delivery.tenant_id,
            "target_id": delivery.target_id,
            "person_user": delivery.person_user,
            "conv_key": delivery.conv_key,
            "kind": delivery.kind.value,
            "locale": delivery.locale,
            "payload": delivery.payload,
            "reply_to": delivery.reply_to,
            "status": DeliveryStatus.PENDING.value,
            "next_attempt_at": due,
            "queued_at": due,
            "created_at": due,
            "updated_at": due,
        }
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = insert(_T).values(values).on_conflict_do_nothing(index_elements=["delivery_key"])
        row = await self._write(lambda s: fetch_one(s, stmt.returning(_T.c.id)))
        return row is not None

    async def by_key(self, delivery_key: str) -> Delivery | None:
        """The row of a delivery key (without its target), or None."""
        row = await self._db.run(lambda s: fetch_one(s, select(_T).where(_T.c.delivery_key == delivery_key)))
        return None if row is None else to_delivery(row)

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: float,
        limit: int,
        *,
        skip_tenants: Sequence[tuple[Platform, str]] = (),
        per_tenant: int | None = None,
    ) -> list[Delivery]:
        """Lease up to `limit` due rows (see the module docstring), targets loaded; none of
        `skip_tenants` (platform, tenant) whose rate limit is booked up, and at most `per_tenant` rows
        of any one tenant, so a tenant waiting for its rate limit cannot take every slot."""
        heads = due_heads(now, skip_tenants).subquery("heads")
        if per_tenant:
            rank = func.row_number().over(
                partition_by=(heads.c.platform, heads.c.tenant_id), order_by=claim_order(heads)
            )
            ranked = select(heads, rank.label("rank")).subquery("ranked")
            heads = select(ranked).where(ranked.c.rank <= per_tenant).subquery("capped")
        picked = (
            select(_T.c.id)
            .join(heads, heads.c.id == _T.c.id)
            .order_by(*claim_order(heads))
            .limit(limit)
            .with_for_update(skip_locked=True, of=_T)
            .cte("picked")
        )
        stmt = (
            update(_T)
            .where(_T.c.id == picked.c.id, claimable(now))
            .values(
                status=DeliveryStatus.SENDING.value,
                recovered=case((_T.c.status == DeliveryStatus.SENDING.value, True), else_=False),
                claimed_by=worker_id,
                claimed_until=now + timedelta(seconds=lease),
                updated_at=now,
            )
            .returning(*_T.c)
        )

        async def run(session: AsyncSession) -> tuple[Sequence[RowMapping], Sequence[RowMapping]]:
            rows = await fetch_all(session, stmt)
            ids = {row["target_id"] for row in rows if row["target_id"] is not None}
            targets = await fetch_all(session, select(TARGET).where(TARGET.c.id.in_(ids))) if ids else []
            return rows, targets

        rows, target_rows = await self._write(run)
        targets = {t["id"]: _to_target(t) for t in target_rows}
        found = [to_delivery(row, targets.get(row["target_id"])) for row in rows]
        return found

    async def mark_sent(self, row_id: int, message_id: str, now: datetime) -> None:
        """Sent, whoever holds the lease: the platform accepted it (claimed_by keeps who sent it)."""
        await self.mark_sent_many([(row_id, message_id)], now)

    async def mark_sent_many(self, sent: Sequence[tuple[int, str]], now: datetime) -> None:
        """mark_sent for several (row id, platform message id) in one transaction."""
        values = {"now": now}

        async def run(session: AsyncSession) -> None:
            for row_id, message_id in sent:
                await finish(
                    session, _MARK_SENT, row_id, {**values, "row_id": row_id, "message_id": message_id}
                )

        if sent:
            await self._write(run)

    async def retry_later(
        self, row_id: int, worker_id: str, at: datetime, error: str, *, failed: bool, throttled: bool
    ) -> bool:
        """Back to pending until `at`, if this worker still holds the lease."""
        return await self._leased_update(
            row_id,
            worker_id,
            status=DeliveryStatus.PENDING.value,
            next_attempt_at=at,
            attempts=_T.c.attempts + (1 if failed else 0),
            throttled=_T.c.throttled + (1 if throttled else 0),
            last_error=error[:_ERROR_WIDTH],
            claimed_by=None,
            claimed_until=None,
        )

    async def kill(self, row_id: int, worker_id: str, reason: str, now: datetime) -> bool:
        """Dead-letter the row, if this worker still holds the lease."""
        stmt = self._leased(row_id, worker_id).values(
            status=DeliveryStatus.DEAD.value,
            attempts=_T.c.attempts + 1,
            last_error=reason[:_ERROR_WIDTH],
            claimed_by=None,
            claimed_until=None,
            updated_at=now,
        )
        return bool(await self._write(lambda s: finish(s, stmt, row_id)))

    async def set_target(self, row_id: int, worker_id: str, target_id: int) -> None:
        await self._leased_update(row_id, worker_id, target_id=target_id)

    async def cancel_for_target(self, target_id: int, reason: str, now: datetime) -> int:
        """Cancel the pending rows of a target (a row being sent elsewhere finishes on its own)."""
        return await self._cancel(_T.c.target_id == target_id, reason, now)

    async def cancel(self, delivery_key: str, reason: str, now: datetime) -> bool:
        return await self._cancel(_T.c.delivery_key == delivery_key, reason, now) > 0

    async def tenant_sample(self, platform: Platform, tenant_id: str) -> Target | None:
        """The most recently refreshed active conversation of the tenant."""
        stmt = (
            select(TARGET)
            .where(
                TARGET.c.platform == platform.value,
                TARGET.c.tenant_id == tenant_id,
                TARGET.c.active.is_(True),
            )
            .order_by(TARGET.c.updated_at.desc(), TARGET.c.id.desc())
            .limit(1)
        )
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        return None if row is None else _to_target(row)

    async def counts(self) -> dict[str, int]:
        """How many rows per status."""
        stmt = select(_T.c.status, func.count().label("n")).group_by(_T.c.status)
        rows = await self._db.run(lambda s: fetch_all(s, stmt))
        return {row["status"]: int(row["n"]) for row in rows}

    # --- helpers ----------------------------------------------------------------------------------

    async def _write(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self._db.run(fn)  # on SQLite, Database.run queues the process's units of work

    async def _leased_update(self, row_id: int, worker_id: str, **values: Any) -> bool:
        stmt = self._leased(row_id, worker_id).values(**values)
        return bool(await self._write(lambda s: rowcount(s, stmt)))

    def _leased(self, row_id: int, worker_id: str) -> Update:
        """UPDATE of a row this worker still holds the lease of."""
        return update(_T).where(
            _T.c.id == row_id,
            _T.c.status == DeliveryStatus.SENDING.value,
            _T.c.claimed_by == worker_id,
        )

    async def _cancel(self, where: ColumnElement[bool], reason: str, now: datetime) -> int:
        stmt = (
            update(_T)
            .where(where, _T.c.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.CANCELLED.value, last_error=reason[:_ERROR_WIDTH], updated_at=now)
        )
        return await self._write(lambda s: rowcount(s, stmt))
