"""The `target` table: conversation references the bot can post into proactively."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, Table, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type


class TargetRow(SQLModel, table=True):
    """One row per (platform, tenant_id, conversation_id). `reference` is the adapter's opaque JSON."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("platform", "tenant_id", "conversation_id", name="uq_target_platform_tenant_conv"),
        Index("ix_target_platform_tenant_user", "platform", "tenant_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    tenant_id: str = Field(sa_type=String(128))
    conversation_id: str = Field(sa_type=String(512))
    kind: str = Field(sa_type=String(16))
    user_id: str = Field(default="", sa_type=String(255), sa_column_kwargs={"server_default": ""})
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    inactive_reason: str = Field(default="", sa_type=String(255), sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


TARGET: Table = TargetRow.__table__  # type: ignore[attr-defined]
