"""The `audit_event` table: the append-only audit log of approvals.

Append-only in the database too: migration 0004_approvals adds triggers that refuse UPDATE and DELETE
(TRUNCATE stays possible for an administrator). A future `batch_alter_table` on SQLite copies the table
and loses its triggers: such a migration must create them again. Migration 0007_audit_once adds
`once_key` (plain ALTER TABLE, the triggers stay).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, Table
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type

_EMPTY = {"server_default": ""}


class AuditEventRow(SQLModel, table=True):
    """One line of the audit log (commands.ports.audit.AuditRecord); empty strings, never NULL."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        # Also the index for lookups by item_id (leading column), already in time order.
        Index("ix_audit_event_item_at", "item_id", "at"),
        # One record per once_key (a decision's idempotency key); NULL, the usual case, never collides.
        Index("uq_audit_event_once_key", "once_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    event: str = Field(sa_type=String(32))
    item_id: str = Field(sa_type=String(255))
    actor_employee_no: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    platform: str = Field(default="", sa_type=String(16), sa_column_kwargs=_EMPTY)
    platform_user_id: str = Field(default="", sa_type=String(255), sa_column_kwargs=_EMPTY)
    tenant_id: str = Field(default="", sa_type=String(128), sa_column_kwargs=_EMPTY)
    action: str = Field(default="", sa_type=String(16), sa_column_kwargs=_EMPTY)
    outcome: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    on_behalf_of: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(json_type(), nullable=False))
    once_key: str | None = Field(default=None, sa_type=String(255), nullable=True)


AUDIT_EVENT: Table = AuditEventRow.__table__  # type: ignore[attr-defined]
