"""The `digest_subscription` table: KPI digests a conversation subscribed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, false, true
from sqlmodel import Field, SQLModel

from store.coltypes import UTCDateTime, json_type

_EMPTY = {"server_default": ""}


class DigestSubscriptionRow(SQLModel, table=True):
    """One subscription. Rows are never deleted: an unsubscribed row keeps `active` false, so its
    scheduler runs (job `digest-<id>`) stay explainable."""

    __tablename__ = "digest_subscription"
    __table_args__ = (Index("ix_digest_subscription_target_active", "target_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_type=String(16))
    target_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("target.id", name="fk_digest_subscription_target"), nullable=False
        )
    )
    metrics: list[str] = Field(default_factory=list, sa_column=Column(json_type(), nullable=False))
    department: str | None = Field(default=None, sa_type=String(64))
    schedule: str = Field(sa_type=String(16))
    at: str = Field(default="", sa_type=String(5), sa_column_kwargs=_EMPTY)
    weekdays: list[str] = Field(default_factory=list, sa_column=Column(json_type(), nullable=False))
    cron: str = Field(default="", sa_type=String(128), sa_column_kwargs=_EMPTY)
    timezone: str = Field(
        default="Asia/Seoul", sa_type=String(64), sa_column_kwargs={"server_default": "Asia/Seoul"}
    )
    business_days_only: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    skip_if_empty: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    locale: str = Field(default="ko", sa_type=String(16), sa_column_kwargs={"server_default": "ko"})
    created_by: str = Field(sa_type=String(64))
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    deactivated_by: str = Field(default="", sa_type=String(64), sa_column_kwargs=_EMPTY)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


DIGEST_SUBSCRIPTION: Table = DigestSubscriptionRow.__table__  # type: ignore[attr-defined]

__all__ = ["DIGEST_SUBSCRIPTION", "DigestSubscriptionRow"]
