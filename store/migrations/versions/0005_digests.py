"""KPI digest subscriptions (digest_subscription)

Revision ID: 0005_digests
Revises: 0001_identity_targets
Create Date: 2026-05-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_digests"
down_revision: str | Sequence[str] | None = "0001_identity_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "digest_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("schedule", sa.String(length=16), nullable=False),
        sa.Column("at", sa.String(length=5), server_default="", nullable=False),
        sa.Column("weekdays", _JSON, nullable=False),
        sa.Column("cron", sa.String(length=128), server_default="", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="Asia/Seoul", nullable=False),
        sa.Column("business_days_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("skip_if_empty", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="ko", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("deactivated_by", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name="fk_digest_subscription_target"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_digest_subscription_target_active", "digest_subscription", ["target_id", "active"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_digest_subscription_target_active", table_name="digest_subscription")
    op.drop_table("digest_subscription")
