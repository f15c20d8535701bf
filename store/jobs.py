"""JobRepository and RunRepository on SQL: job definitions and once-only run records."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.ports.clock import Clock, SystemClock
from commands.ports.schedule import JobDefinition, JobRun, RunStatus, TriggerType, run_key
from store.db import Database
from store.sql import fetch_all, fetch_one, upsert
from store.tables.jobs import JOB_RUN, SCHEDULED_JOB

ERROR_MAX = 4000  # characters of error text kept per run
_DEFINITION_FIELDS = ("kind", "trigger", "spec", "timezone", "business_days_only", "payload", "enabled")


class SqlJobRepository:
    """Implements commands.ports.schedule.JobRepository."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    async def upsert(self, definition: JobDefinition) -> JobDefinition:
        """Insert or replace the definition named `definition.name`; returns it as stored."""
        values = self._values(definition)
        stmt = upsert(
            self._db.dialect,
            SCHEDULED_JOB,
            values,
            keys=("name",),
            update=lambda excluded: {f: excluded[f] for f in (*_DEFINITION_FIELDS, "updated_at")},
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        if row is None:  # pragma: no cover - an upsert without WHERE always returns its row
            raise RuntimeError("scheduled_job upsert returned no row")
        return _to_definition(row)

    async def ensure(self, definition: JobDefinition) -> JobDefinition:
        """Insert the definition unless one with its name exists; returns the stored one."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(SCHEDULED_JOB)
            .values(self._values(definition))
            .on_conflict_do_nothing(index_elements=["name"])
        )
        select_stored = select(SCHEDULED_JOB).where(SCHEDULED_JOB.c.name == definition.name)

        async def work(session: AsyncSession) -> RowMapping | None:
            await fetch_all(session, stmt.returning(SCHEDULED_JOB.c.id))
            return await fetch_one(session, select_stored)

        row = await self._db.run(work)
        if row is None:  # pragma: no cover - inserted or already there
            raise RuntimeError("scheduled_job row vanished during ensure()")
        return _to_definition(row)

    def _values(self, definition: JobDefinition) -> dict[str, Any]:
        now = self._clock.now()
        return {
            "name": definition.name,
            "kind": definition.kind,
            "trigger": definition.trigger.value,
            "spec": definition.spec,
            "timezone": definition.timezone,
            "business_days_only": definition.business_days_only,
            "payload": definition.payload,
            "enabled": definition.enabled,
            "created_at": now,
            "updated_at": now,
        }

    async def get(self, name: str) -> JobDefinition | None:
        """The definition with this name, or None."""
        stmt = select(SCHEDULED_JOB).where(SCHEDULED_JOB.c.name == name)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return None if row is None else _to_definition(row)

    async def delete(self, name: str) -> bool:
        """Remove the definition; False if there was none. Its run history stays."""
        stmt = delete(SCHEDULED_JOB).where(SCHEDULED_JOB.c.name == name).returning(SCHEDULED_JOB.c.id)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return row is not None

    # Last, so that `list` in the annotations above still means the builtin.
    async def list(self, *, enabled: bool | None = None) -> builtins.list[JobDefinition]:
        """Definitions by name, optionally only the enabled (or disabled) ones."""
        stmt = select(SCHEDULED_JOB).order_by(SCHEDULED_JOB.c.name)
        if enabled is not None:
            stmt = stmt.where(SCHEDULED_JOB.c.enabled.is_(enabled))
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_definition(row) for row in rows]


class SqlRunRepository:
    """Implements commands.ports.schedule.RunRepository. `try_start` is INSERT … ON CONFLICT (run_key)
    DO NOTHING RETURNING id: exactly one concurrent caller gets the row back."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    async def try_start(self, job_name: str, scheduled_for: datetime, replica_id: str) -> bool:
        """Insert a `working` run for (job, scheduled_for); False when that run already exists."""
        values = {
            "run_key": run_key(job_name, scheduled_for),
            "job_name": job_name,
            "scheduled_for": scheduled_for,
            "started_at": self._clock.now(),
            "status": RunStatus.WORKING.value,
            "replica_id": replica_id[:128],
        }
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(JOB_RUN)
            .values(values)
            .on_conflict_do_nothing(index_elements=["run_key"])
            .returning(JOB_RUN.c.id)
        )
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return row is not None

    async def finish(self, key: str, status: RunStatus, error: str = "") -> None:
        """Record how the run ended; the text is clipped to ERROR_MAX characters."""
        stmt = (
            update(JOB_RUN)
            .where(JOB_RUN.c.run_key == key)
            .values(status=status.value, error=error[:ERROR_MAX], finished_at=self._clock.now())
        )
        await self._db.run(lambda session: fetch_all(session, stmt.returning(JOB_RUN.c.id)))

    async def get(self, key: str) -> JobRun | None:
        """The run with this run_key, or None."""
        stmt = select(JOB_RUN).where(JOB_RUN.c.run_key == key)
        row = await self._db.run(lambda session: fetch_one(session, stmt))
        return None if row is None else _to_run(row)

    async def last_runs(self, job_name: str, limit: int = 10) -> builtins.list[JobRun]:
        """The newest runs of a job (by scheduled time), newest first."""
        stmt = (
            select(JOB_RUN)
            .where(JOB_RUN.c.job_name == job_name)
            .order_by(JOB_RUN.c.scheduled_for.desc(), JOB_RUN.c.id.desc())
            .limit(limit)
        )
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return [_to_run(row) for row in rows]

    async def fail_stuck(self, started_before: datetime, reason: str) -> int:
        """Mark `working` runs started before `started_before` as errors; returns how many."""
        stmt = (
            update(JOB_RUN)
            .where(JOB_RUN.c.status == RunStatus.WORKING.value, JOB_RUN.c.started_at < started_before)
            .values(status=RunStatus.ERROR.value, error=reason[:ERROR_MAX], finished_at=self._clock.now())
            .returning(JOB_RUN.c.id)
        )
        rows = await self._db.run(lambda session: fetch_all(session, stmt))
        return len(rows)


def _to_definition(row: RowMapping) -> JobDefinition:
    return JobDefinition(
        name=row["name"],
        kind=row["kind"],
        trigger=TriggerType(row["trigger"]),
        spec=dict(row["spec"]),
        timezone=row["timezone"],
        business_days_only=bool(row["business_days_only"]),
        payload=dict(row["payload"]),
        enabled=bool(row["enabled"]),
        id=row["id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _to_run(row: RowMapping) -> JobRun:
    return JobRun(
        job_name=row["job_name"],
        scheduled_for=row["scheduled_for"],
        run_key=row["run_key"],
        status=RunStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        replica_id=row["replica_id"],
        id=row["id"],
    )
