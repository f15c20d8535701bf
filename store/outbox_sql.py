"""The outbox's SQL pieces shared by the repository and the operator's queries: which rows are
claimable, the queue-place hand-over when a row finishes, and row -> Delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    RowMapping,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.invocation import Platform
from commands.ports.outbox import Delivery, DeliveryKind, DeliveryStatus
from commands.ports.targets import Target
from store.tables.outbox import OUTBOX as _T

_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


async def rowcount(session: AsyncSession, stmt: Executable) -> int:
    """How many rows an UPDATE/DELETE touched."""
    conn = await session.connection()
    result = cast(CursorResult[Any], await conn.execute(stmt))
    return int(result.rowcount)


async def finish(session: AsyncSession, stmt: Executable, row_id: int) -> int:
    """Run the UPDATE that finishes a row; if it did, the next pending row of its conversation takes
    over the finished row's place in the queue (an earlier queued_at), so the conversation is not sent
    to the back of the line after every message."""
    changed = await rowcount(session, stmt)
    if changed:
        done = _T.alias("done")
        nxt = _T.alias("nxt")
        next_id = (
            select(func.min(nxt.c.id))
            .where(
                nxt.c.conv_key == done.c.conv_key,
                nxt.c.status == DeliveryStatus.PENDING.value,
                nxt.c.id > row_id,
            )
            .where(done.c.id == row_id)
            .scalar_subquery()
        )
        place = select(done.c.queued_at).where(done.c.id == row_id).scalar_subquery()
        await rowcount(
            session, update(_T).where(_T.c.id == next_id, _T.c.queued_at > place).values(queued_at=place)
        )
    return changed


def claimable(now: datetime, table: Any = _T) -> ColumnElement[bool]:
    """Pending, or being sent by a worker whose lease ran out."""
    return or_(
        table.c.status == DeliveryStatus.PENDING.value,
        and_(table.c.status == DeliveryStatus.SENDING.value, table.c.claimed_until < now),
    )


def due_heads(
    heads: Any, now: datetime, skip_tenants: Sequence[tuple[Platform, str]]
) -> list[ColumnElement[bool]]:
    """Claimable, due, the oldest unfinished row of its conversation, not of a skipped tenant."""
    earlier = _T.alias("earlier")
    blocked = exists().where(
        earlier.c.conv_key == heads.c.conv_key, earlier.c.status.in_(_OPEN), earlier.c.id < heads.c.id
    )
    skipped = [and_(heads.c.platform == p.value, heads.c.tenant_id == t) for p, t in skip_tenants]
    return [
        claimable(now, heads),
        heads.c.next_attempt_at <= now,
        ~blocked,
        *(~clause for clause in skipped),
    ]


def to_delivery(row: RowMapping, target: Target | None = None) -> Delivery:
    return Delivery(
        id=row["id"],
        delivery_key=row["delivery_key"],
        platform=Platform(row["platform"]),
        kind=DeliveryKind(row["kind"]),
        status=DeliveryStatus(row["status"]),
        payload=dict(row["payload"]),
        conv_key=row["conv_key"],
        tenant_id=row["tenant_id"],
        target_id=row["target_id"],
        person_user=row["person_user"],
        reply_to=row["reply_to"],
        locale=row["locale"],
        attempts=row["attempts"],
        throttled=row["throttled"],
        recovered=bool(row["recovered"]),
        last_error=row["last_error"],
        platform_message_id=row["platform_message_id"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        target=target,
    )
