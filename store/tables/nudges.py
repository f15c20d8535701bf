"""The deadline-nudge tables: the ledger of sent steps, snoozes, preferences, team defaults, roundups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type

_EMPTY = {"server_default": ""}


class NudgeSentRow(SQLModel, table=True):
    """One (task, assignee, ladder step, due date) ever: `step_key` is unique. Rows claimed together
    share `batch_key` (one grouped card); `state` says whether that card reached the outbox."""

    __tablename__ = "nudge_sent"
    __table_args__ = (
        UniqueConstraint("step_key", name="uq_nudge_sent_step_key"),
        Index("ix_nudge_sent_batch", "batch_key"),
        Index("ix_nudge_sent_state_created", "state", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    step_key: str = Field(sa_type=String(255))
    batch_key: str = Field(sa_type=String(128))
    source: str = Field(sa_type=String(32))
    task_id: str = Field(sa_type=String(128))
    employee_no: str = Field(sa_type=String(32))
    step: str = Field(sa_type=String(24))
    due_key: str = Field(sa_type=String(16))
    recipient: str = Field(sa_type=String(64))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    state: str = Field(sa_type=String(12))
    outcome: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NudgeSnoozeRow(SQLModel, table=True):
    """The snooze of one task for one assignee (a new snooze replaces the old one)."""

    __tablename__ = "nudge_snooze"
    __table_args__ = (
        UniqueConstraint("source", "task_id", "employee_no", name="uq_nudge_snooze_task_employee"),
        Index("ix_nudge_snooze_until", "until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_type=String(32))
    task_id: str = Field(sa_type=String(128))
    employee_no: str = Field(sa_type=String(32))
    due_key: str = Field(sa_type=String(16))
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NudgePrefsRow(SQLModel, table=True):
    """An employee's own nudge preferences (JSON of commands.ports.nudges.Preferences, unset = absent)."""

    __tablename__ = "nudge_prefs"

    employee_no: str = Field(sa_type=String(32), primary_key=True)
    prefs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NudgeTeamRow(SQLModel, table=True):
    """A department's defaults and its escalation channel."""

    __tablename__ = "nudge_team"

    department_code: str = Field(sa_type=String(64), primary_key=True)
    prefs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    escalation_target_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("target.id", name="fk_nudge_team_target"), nullable=True),
    )
    set_by: str = Field(default="", sa_type=String(32), sa_column_kwargs=_EMPTY)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NudgeRoundupRow(SQLModel, table=True):
    """A conversation's daily roundup of a department's due and overdue tasks (job nudge-roundup-<id>)."""

    __tablename__ = "nudge_roundup"
    __table_args__ = (Index("ix_nudge_roundup_target_active", "target_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    target_id: int = Field(
        sa_column=Column(Integer, ForeignKey("target.id", name="fk_nudge_roundup_target"), nullable=False)
    )
    department_code: str = Field(sa_type=String(64))
    at: str = Field(sa_type=String(5))
    timezone: str = Field(default="Asia/Seoul", sa_type=String(64))
    locale: str = Field(default="ko", sa_type=String(16))
    created_by: str = Field(default="", sa_type=String(32), sa_column_kwargs=_EMPTY)
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


NUDGE_SENT: Table = NudgeSentRow.__table__  # type: ignore[attr-defined]
NUDGE_SNOOZE: Table = NudgeSnoozeRow.__table__  # type: ignore[attr-defined]
NUDGE_PREFS: Table = NudgePrefsRow.__table__  # type: ignore[attr-defined]
NUDGE_TEAM: Table = NudgeTeamRow.__table__  # type: ignore[attr-defined]
NUDGE_ROUNDUP: Table = NudgeRoundupRow.__table__  # type: ignore[attr-defined]

__all__ = ["NUDGE_PREFS", "NUDGE_ROUNDUP", "NUDGE_SENT", "NUDGE_SNOOZE", "NUDGE_TEAM"]
