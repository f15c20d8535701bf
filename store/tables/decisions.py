"""The `decision_queue` table: approval decisions waiting for the ERP, sent later and never twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime

_EMPTY = {"server_default": ""}


class QueuedDecisionRow(SQLModel, table=True):
    """One row per idempotency key (commands.ports.decisions.QueuedDecision). `next_attempt_at` NULL
    means due now; `claimed_by`/`claimed_until` are the lease of the worker sending it."""

    __tablename__ = "decision_queue"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_decision_queue_idempotency_key"),
        Index("ix_decision_queue_item", "item_id"),
        Index("ix_decision_queue_status_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_type=String(255))
    item_id: str = Field(sa_type=String(255))
    action: str = Field(sa_type=String(16))
    actor_employee_no: str = Field(sa_type=String(64))
    expected_version: int
    comment: str = Field(default="", sa_type=Text, sa_column_kwargs=_EMPTY)
    on_behalf_of: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    platform: str = Field(default="", sa_type=String(16), sa_column_kwargs=_EMPTY)
    platform_user_id: str = Field(default="", sa_type=String(255), sa_column_kwargs=_EMPTY)
    tenant_id: str = Field(default="", sa_type=String(128), sa_column_kwargs=_EMPTY)
    locale: str = Field(default="ko", sa_type=String(16), sa_column_kwargs={"server_default": "ko"})
    status: str = Field(sa_type=String(12))
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str | None = Field(default=None, sa_type=String(64))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str = Field(default="", sa_type=String(500), sa_column_kwargs=_EMPTY)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


DECISION_QUEUE: Table = QueuedDecisionRow.__table__  # type: ignore[attr-defined]
