"""The `scheduled_job` and `job_run` tables: job definitions, and one row per run of a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type


class ScheduledJobRow(SQLModel, table=True):
    """A job definition, by unique name. `spec` holds the trigger's fields (see commands.ports.schedule)."""

    __tablename__ = "scheduled_job"
    __table_args__ = (UniqueConstraint("name", name="uq_scheduled_job_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(128))
    kind: str = Field(sa_type=String(64))
    trigger: str = Field(sa_type=String(16))
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    timezone: str = Field(
        default="Asia/Seoul", sa_type=String(64), sa_column_kwargs={"server_default": "Asia/Seoul"}
    )
    business_days_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    enabled: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class JobRunRow(SQLModel, table=True):
    """One run of a job for one scheduled time; `run_key` is unique, so a run is started only once."""

    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("run_key", name="uq_job_run_run_key"),
        Index("ix_job_run_job_scheduled", "job_name", "scheduled_for"),
        Index("ix_job_run_status_started", "status", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_key: str = Field(sa_type=String(192))
    job_name: str = Field(sa_type=String(128))
    scheduled_for: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    status: str = Field(sa_type=String(16))
    error: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    replica_id: str = Field(default="", sa_type=String(128), sa_column_kwargs={"server_default": ""})


SCHEDULED_JOB: Table = ScheduledJobRow.__table__  # type: ignore[attr-defined]
JOB_RUN: Table = JobRunRow.__table__  # type: ignore[attr-defined]
