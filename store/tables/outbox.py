"""The `outbox` table: proactive messages waiting for, in, or done with delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type

_ZERO = {"server_default": "0"}


class OutboxRow(SQLModel, table=True):
    """One row per delivery key. `conv_key` orders the rows of one conversation ("t:<target id>", or
    "p:<platform>:<tenant>:<user>" for a person whose 1:1 is not known yet); `payload` is the
    platform's rendered message; `reply_to` the platform id of the message an update replaces.
    Due rows (`next_attempt_at`) are claimed in `queued_at` order; a row inherits the queue place of
    the row before it in its conversation, so a busy conversation keeps its place in line."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("delivery_key", name="uq_outbox_delivery_key"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_conv_status", "conv_key", "status", "id"),
        Index("ix_outbox_target", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_key: str = Field(sa_type=String(255))
    platform: str = Field(sa_type=String(16))
    tenant_id: str = Field(default="", sa_type=String(128), sa_column_kwargs={"server_default": ""})
    target_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("target.id", name="fk_outbox_target"), nullable=True),
    )
    person_user: str | None = Field(default=None, sa_type=String(255))
    conv_key: str = Field(sa_type=String(600))
    kind: str = Field(sa_type=String(8))
    locale: str = Field(default="ko", sa_type=String(16), sa_column_kwargs={"server_default": "ko"})
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    reply_to: str | None = Field(default=None, sa_type=String(512))
    status: str = Field(sa_type=String(12))
    attempts: int = Field(default=0, sa_column_kwargs=_ZERO)
    throttled: int = Field(default=0, sa_column_kwargs=_ZERO)
    recovered: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    queued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, sa_type=String(64))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str = Field(default="", sa_type=String(500), sa_column_kwargs={"server_default": ""})
    platform_message_id: str | None = Field(default=None, sa_type=String(255))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]
