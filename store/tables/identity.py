"""The `chat_user` table: who talked to the bot, and the employee they are linked to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime

_EMPTY = {"server_default": ""}


class ChatUserRow(SQLModel, table=True):
    """One chat user per (platform, tenant_id, user_id); `employee_no` is NULL until linked.
    At most one chat user per platform is linked to an employee."""

    __tablename__ = "chat_user"
    __table_args__ = (
        UniqueConstraint("platform", "tenant_id", "user_id", name="uq_chat_user_platform_tenant_user"),
        # Also the index for lookups by employee_no (leading column); NULLs never collide.
        Index("uq_chat_user_employee_platform", "employee_no", "platform", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    tenant_id: str = Field(sa_type=String(128))
    user_id: str = Field(sa_type=String(255))
    name: str = Field(default="", sa_type=String(255), sa_column_kwargs=_EMPTY)
    email: str = Field(default="", sa_type=String(320), sa_column_kwargs=_EMPTY)
    aad_object_id: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    locale: str = Field(default="", sa_type=String(16), sa_column_kwargs=_EMPTY)
    employee_no: str | None = Field(default=None, sa_type=String(64))
    link_method: str | None = Field(default=None, sa_type=String(16))
    linked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


CHAT_USER: Table = ChatUserRow.__table__  # type: ignore[attr-defined]
