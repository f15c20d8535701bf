"""NudgeRepository on SQL: the ledger of sent steps (INSERT … ON CONFLICT DO NOTHING decides who sends a
step), snoozes, preferences, team defaults and roundups."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime, time
from functools import partial
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from commands.invocation import Platform
from commands.ports.clock import Clock, SystemClock
from commands.ports.nudges import BatchState, Preferences, Roundup, SentStep, Snooze, TeamDefaults
from store.db import Database
from store.sql import fetch_all, fetch_one, upsert
from store.tables.nudges import NUDGE_PREFS, NUDGE_ROUNDUP, NUDGE_SENT, NUDGE_SNOOZE, NUDGE_TEAM

CHUNK = 500  # keys per IN (…) / rows per INSERT: well under SQLite's and PostgreSQL's parameter limits


class SqlNudgeRepository:
    """Implements commands.ports.nudges.NudgeRepository."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self._db = db
        self._clock = clock or SystemClock()

    # --- the ledger ---------------------------------------------------------------------------------

    async def sent_keys(self, step_keys: builtins.list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(step_keys), CHUNK):
            chunk = step_keys[start : start + CHUNK]
            stmt = select(NUDGE_SENT.c.step_key).where(NUDGE_SENT.c.step_key.in_(chunk))
            rows = await self._db.run(partial(fetch_all, stmt=stmt))
            found.update(row["step_key"] for row in rows)
        return found

    async def claim(self, steps: builtins.list[SentStep]) -> builtins.list[SentStep]:
        now = self._clock.now()
        ordered = sorted(steps, key=lambda s: s.step_key)  # one order everywhere: fewer lock waits
        inserted: set[str] = set()
        for start in range(0, len(ordered), CHUNK):
            values = [_sent_values(step, now) for step in ordered[start : start + CHUNK]]
            builder = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
            stmt = (
                builder(NUDGE_SENT)
                .values(values)
                .on_conflict_do_nothing(index_elements=["step_key"])
                .returning(NUDGE_SENT.c.step_key)
            )
            rows = await self._db.run(partial(fetch_all, stmt=stmt))
            inserted.update(row["step_key"] for row in rows)
        return [step for step in steps if step.step_key in inserted]

    async def mark_enqueued(self, batch_keys: builtins.list[str]) -> None:
        for start in range(0, len(batch_keys), CHUNK):
            chunk = batch_keys[start : start + CHUNK]
            stmt = (
                update(NUDGE_SENT)
                .where(NUDGE_SENT.c.batch_key.in_(chunk))
                .values(state=BatchState.ENQUEUED.value)
            )
            await self._db.run(partial(_execute, stmt=stmt))

    async def unfinished(self, claimed_before: datetime) -> builtins.list[SentStep]:
        stmt = (
            select(NUDGE_SENT)
            .where(NUDGE_SENT.c.state == BatchState.CLAIMED.value, NUDGE_SENT.c.created_at < claimed_before)
            .order_by(NUDGE_SENT.c.id)
        )
        return [_to_sent(row) for row in await self._db.run(lambda s: fetch_all(s, stmt))]

    async def batch(self, batch_key: str) -> builtins.list[SentStep]:
        stmt = select(NUDGE_SENT).where(NUDGE_SENT.c.batch_key == batch_key).order_by(NUDGE_SENT.c.id)
        return [_to_sent(row) for row in await self._db.run(lambda s: fetch_all(s, stmt))]

    async def set_outcome(self, batch_key: str, source: str, task_id: str, outcome: str) -> None:
        stmt = (
            update(NUDGE_SENT)
            .where(
                NUDGE_SENT.c.batch_key == batch_key,
                NUDGE_SENT.c.source == source,
                NUDGE_SENT.c.task_id == task_id,
            )
            .values(outcome=outcome[:64])
        )
        await self._db.run(lambda s: s.execute(stmt))

    # --- snoozes ------------------------------------------------------------------------------------

    async def snooze(self, snooze: Snooze) -> None:
        values = {
            "source": snooze.source,
            "task_id": snooze.task_id,
            "employee_no": snooze.employee_no,
            "due_key": snooze.due_key,
            "until": snooze.until,
            "created_at": self._clock.now(),
        }
        stmt = upsert(
            self._db.dialect,
            NUDGE_SNOOZE,
            values,
            keys=("source", "task_id", "employee_no"),
            update=lambda ex: {"due_key": ex.due_key, "until": ex.until, "created_at": ex.created_at},
        )
        await self._db.run(lambda s: fetch_one(s, stmt))

    async def active(self, since: datetime) -> builtins.list[Snooze]:
        stmt = select(NUDGE_SNOOZE).where(NUDGE_SNOOZE.c.until >= since)
        rows = await self._db.run(lambda s: fetch_all(s, stmt))
        return [
            Snooze(r["source"], r["task_id"], r["employee_no"], r["due_key"], r["until"], r["created_at"])
            for r in rows
        ]

    # --- preferences and team defaults --------------------------------------------------------------

    async def user(self, employee_no: str) -> Preferences:
        stmt = select(NUDGE_PREFS).where(NUDGE_PREFS.c.employee_no == employee_no)
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        return Preferences() if row is None else prefs_from_json(row["prefs"])

    async def users(self) -> dict[str, Preferences]:
        rows = await self._db.run(lambda s: fetch_all(s, select(NUDGE_PREFS)))
        return {row["employee_no"]: prefs_from_json(row["prefs"]) for row in rows}

    async def save_user(self, employee_no: str, prefs: Preferences) -> Preferences:
        values = {"employee_no": employee_no, "prefs": prefs_to_json(prefs), "updated_at": self._clock.now()}
        stmt = upsert(
            self._db.dialect,
            NUDGE_PREFS,
            values,
            keys=("employee_no",),
            update=lambda ex: {"prefs": ex.prefs, "updated_at": ex.updated_at},
        )
        await self._db.run(lambda s: fetch_one(s, stmt))
        return prefs

    async def team(self, department_code: str) -> TeamDefaults | None:
        stmt = select(NUDGE_TEAM).where(NUDGE_TEAM.c.department_code == department_code)
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        return None if row is None else _to_team(row)

    async def teams(self) -> dict[str, TeamDefaults]:
        rows = await self._db.run(lambda s: fetch_all(s, select(NUDGE_TEAM)))
        return {row["department_code"]: _to_team(row) for row in rows}

    async def save_team(self, defaults: TeamDefaults) -> TeamDefaults:
        values = {
            "department_code": defaults.department_code,
            "prefs": prefs_to_json(defaults.prefs),
            "escalation_target_id": defaults.escalation_target_id,
            "set_by": defaults.set_by[:32],
            "updated_at": self._clock.now(),
        }
        stmt = upsert(
            self._db.dialect,
            NUDGE_TEAM,
            values,
            keys=("department_code",),
            update=lambda ex: {
                "prefs": ex.prefs,
                "escalation_target_id": ex.escalation_target_id,
                "set_by": ex.set_by,
                "updated_at": ex.updated_at,
            },
        )
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        assert row is not None  # an upsert without WHERE always returns its row
        return _to_team(row)

    # --- roundups -----------------------------------------------------------------------------------

    async def add_roundup(self, roundup: Roundup) -> Roundup:
        values = {
            "platform": roundup.platform.value,
            "target_id": roundup.target_id,
            "department_code": roundup.department_code,
            "at": roundup.at,
            "timezone": roundup.timezone,
            "locale": roundup.locale,
            "created_by": roundup.created_by[:32],
            "active": True,
            "created_at": self._clock.now(),
        }
        stmt = insert(NUDGE_ROUNDUP).values(values).returning(*NUDGE_ROUNDUP.c)
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        assert row is not None  # INSERT … RETURNING returns its row
        return _to_roundup(row)

    async def get_roundup(self, roundup_id: int) -> Roundup | None:
        stmt = select(NUDGE_ROUNDUP).where(NUDGE_ROUNDUP.c.id == roundup_id)
        row = await self._db.run(lambda s: fetch_one(s, stmt))
        return None if row is None else _to_roundup(row)

    async def roundups_for(self, target_id: int) -> builtins.list[Roundup]:
        stmt = (
            select(NUDGE_ROUNDUP)
            .where(NUDGE_ROUNDUP.c.target_id == target_id, NUDGE_ROUNDUP.c.active.is_(True))
            .order_by(NUDGE_ROUNDUP.c.id)
        )
        return [_to_roundup(row) for row in await self._db.run(lambda s: fetch_all(s, stmt))]

    async def stop_roundup(self, roundup_id: int) -> bool:
        stmt = (
            update(NUDGE_ROUNDUP)
            .where(NUDGE_ROUNDUP.c.id == roundup_id, NUDGE_ROUNDUP.c.active.is_(True))
            .values(active=False)
            .returning(NUDGE_ROUNDUP.c.id)
        )
        return bool(await self._db.run(lambda s: fetch_all(s, stmt)))


async def _execute(session: Any, stmt: Any) -> None:
    await session.execute(stmt)


def prefs_to_json(prefs: Preferences) -> dict[str, Any]:
    """Only the fields that are set; times as HH:MM."""
    out: dict[str, Any] = {}
    for name in ("enabled", "quiet_weekends", "timezone"):
        if (value := getattr(prefs, name)) is not None:
            out[name] = value
    for name in ("morning", "quiet_start", "quiet_end"):
        if (moment := getattr(prefs, name)) is not None:
            out[name] = moment.strftime("%H:%M")
    return out


def prefs_from_json(data: dict[str, Any]) -> Preferences:
    def clock(name: str) -> time | None:
        value = data.get(name)
        return time.fromisoformat(value) if isinstance(value, str) else None

    def flag(name: str) -> bool | None:
        value = data.get(name)
        return value if isinstance(value, bool) else None

    zone = data.get("timezone")
    return Preferences(
        enabled=flag("enabled"),
        morning=clock("morning"),
        quiet_start=clock("quiet_start"),
        quiet_end=clock("quiet_end"),
        quiet_weekends=flag("quiet_weekends"),
        timezone=zone if isinstance(zone, str) else None,
    )


def _sent_values(step: SentStep, now: datetime) -> dict[str, Any]:
    return {
        "step_key": step.step_key,
        "batch_key": step.batch_key,
        "source": step.source,
        "task_id": step.task_id,
        "employee_no": step.employee_no,
        "step": step.step,
        "due_key": step.due_key,
        "recipient": step.recipient,
        "snapshot": step.snapshot,
        "state": BatchState.CLAIMED.value,
        "outcome": "",
        "created_at": now,
    }


def _to_sent(row: RowMapping) -> SentStep:
    return SentStep(
        step_key=row["step_key"],
        batch_key=row["batch_key"],
        source=row["source"],
        task_id=row["task_id"],
        employee_no=row["employee_no"],
        step=row["step"],
        due_key=row["due_key"],
        recipient=row["recipient"],
        snapshot=dict(row["snapshot"]),
        state=BatchState(row["state"]),
        outcome=row["outcome"],
        created_at=row["created_at"],
    )


def _to_team(row: RowMapping) -> TeamDefaults:
    return TeamDefaults(
        department_code=row["department_code"],
        prefs=prefs_from_json(row["prefs"]),
        escalation_target_id=row["escalation_target_id"],
        set_by=row["set_by"],
        updated_at=row["updated_at"],
    )


def _to_roundup(row: RowMapping) -> Roundup:
    return Roundup(
        platform=Platform(row["platform"]),
        target_id=row["target_id"],
        department_code=row["department_code"],
        at=row["at"],
        timezone=row["timezone"],
        locale=row["locale"],
        created_by=row["created_by"],
        active=bool(row["active"]),
        id=row["id"],
    )


__all__: Sequence[str] = ["SqlNudgeRepository", "prefs_from_json", "prefs_to_json"]
