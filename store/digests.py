"""DigestRepository on SQL: KPI digest subscriptions."""

from __future__ import annotations

import builtins

from sqlalchemy import RowMapping, insert, select, update

from commands.invocation import Platform
from commands.ports.clock import Clock, SystemClock
from commands.ports.kpi import DigestSubscription, ScheduleKind
from store.db import Database
from store.sql import fetch_all, fetch_one
from store.tables.digests import DIGEST_SUBSCRIPTION as _TABLE


class SqlDigestRepository:
    """Implements commands.ports.kpi.DigestRepository."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    async def add(self, subscription: DigestSubscription) -> DigestSubscription:
        """Store a new subscription; returns it with its id and created_at."""
        now = self._clock.now()
        values = {
            "platform": subscription.platform.value,
            "target_id": subscription.target_id,
            "metrics": list(subscription.metrics),
            "department": subscription.department,
            "schedule": subscription.schedule.value,
            "at": subscription.at,
            "weekdays": list(subscription.weekdays),
            "cron": subscription.cron,
            "timezone": subscription.timezone,
            "business_days_only": subscription.business_days_only,
            "skip_if_empty": subscription.skip_if_empty,
            "locale": subscription.locale,
            "created_by": subscription.created_by,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        stmt = insert(_TABLE).values(values).returning(*_TABLE.c)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        if row is None:  # pragma: no cover - INSERT … RETURNING always returns its row
            raise RuntimeError("digest_subscription insert returned no row")
        return _to_subscription(row)

    async def get(self, subscription_id: int) -> DigestSubscription | None:
        """One subscription, active or not."""
        stmt = select(_TABLE).where(_TABLE.c.id == subscription_id)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return None if row is None else _to_subscription(row)

    async def for_target(self, target_id: int) -> builtins.list[DigestSubscription]:
        """The active subscriptions of one conversation, oldest first."""
        stmt = (
            select(_TABLE)
            .where(_TABLE.c.target_id == target_id, _TABLE.c.active.is_(True))
            .order_by(_TABLE.c.id)
        )
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_subscription(row) for row in rows]

    async def deactivate(self, subscription_id: int, by: str) -> bool:
        """Stop the subscription; False when it was not active (a second unsubscribe changes nothing)."""
        stmt = (
            update(_TABLE)
            .where(_TABLE.c.id == subscription_id, _TABLE.c.active.is_(True))
            .values(active=False, deactivated_by=by[:64], updated_at=self._clock.now())
            .returning(_TABLE.c.id)
        )
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return bool(rows)

    async def list_active(self) -> builtins.list[DigestSubscription]:
        """Every active subscription, by id."""
        stmt = select(_TABLE).where(_TABLE.c.active.is_(True)).order_by(_TABLE.c.id)
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_subscription(row) for row in rows]


def _to_subscription(row: RowMapping) -> DigestSubscription:
    return DigestSubscription(
        platform=Platform(row["platform"]),
        target_id=row["target_id"],
        metrics=tuple(row["metrics"]),
        schedule=ScheduleKind(row["schedule"]),
        at=row["at"],
        weekdays=tuple(row["weekdays"]),
        cron=row["cron"],
        timezone=row["timezone"],
        business_days_only=bool(row["business_days_only"]),
        skip_if_empty=bool(row["skip_if_empty"]),
        department=row["department"],
        locale=row["locale"],
        created_by=row["created_by"],
        active=bool(row["active"]),
        id=row["id"],
        created_at=row["created_at"],
    )
