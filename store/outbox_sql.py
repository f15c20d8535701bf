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
    Integer,
    RowMapping,
    Select,
    Update,
    and_,
    bindparam,
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
# Aliases of the wide outbox table are built once: building one sets up a proxy for every column,
# which cost more than the statement itself on the delivery hot path.
HEAD = _T.alias("head")


def _hand_over() -> Update:
    done = _T.alias("done")
    nxt = _T.alias("nxt")
    row_id = bindparam("row_id", type_=Integer)
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
    return update(_T).where(_T.c.id == next_id, _T.c.queued_at > place).values(queued_at=place)


_HAND_OVER = _hand_over()


async def rowcount(session: AsyncSession, stmt: Executable, params: dict[str, Any] | None = None) -> int:
    """How many rows an UPDATE/DELETE touched."""
    conn = await session.connection()
    result = cast(CursorResult[Any], await conn.execute(stmt, params))
    return int(result.rowcount)


async def finish(
    session: AsyncSession, stmt: Executable, row_id: int, params: dict[str, Any] | None = None
) -> int:
    """Run the UPDATE that finishes a row; if it did, the next pending row of its conversation takes
    over the finished row's place in the queue (an earlier queued_at), so the conversation is not sent
    to the back of the line after every message."""
    changed = await rowcount(session, stmt, params)
    if changed:
        conn = await session.connection()
        await conn.execute(_HAND_OVER, {"row_id": row_id})
    return changed


def claimable(now: datetime, table: Any = _T) -> ColumnElement[bool]:
    """Pending, or being sent by a worker whose lease ran out."""
    return or_(
        table.c.status == DeliveryStatus.PENDING.value,
        and_(table.c.status == DeliveryStatus.SENDING.value, table.c.claimed_until < now),
    )


def due_heads(now: datetime, skip_tenants: Sequence[tuple[Platform, str]]) -> Select[Any]:
    """(id, platform, tenant_id, backlog, queued_at) of every claimable, due conversation head not of a
    skipped tenant. A head is the oldest unfinished row of its conversation (one pass over the open
    rows of the (conv_key, status, id) index); backlog is how many unfinished rows the conversation has."""
    queues = (
        select(_T.c.conv_key, func.min(_T.c.id).label("head_id"), func.count().label("backlog"))
        .where(_T.c.status.in_(_OPEN))
        .group_by(_T.c.conv_key)
        .subquery("queues")
    )
    skipped = [and_(HEAD.c.platform == p.value, HEAD.c.tenant_id == t) for p, t in skip_tenants]
    return (
        select(HEAD.c.id, HEAD.c.platform, HEAD.c.tenant_id, queues.c.backlog, HEAD.c.queued_at)
        .join(queues, HEAD.c.id == queues.c.head_id)
        .where(claimable(now, HEAD), HEAD.c.next_attempt_at <= now, *(~clause for clause in skipped))
    )


def claim_order(heads: Any) -> tuple[ColumnElement[Any], ...]:
    """Longest queue first, then oldest. A conversation can only drain at its own rate limit, so when
    a tenant's cap is the bottleneck, serving long queues first keeps them from being the tail that
    everyone waits for; conversations with equal queues (a digest fan-out: one each) go oldest first."""
    return heads.c.backlog.desc(), heads.c.queued_at, heads.c.id


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
