"""chat users (identity + employee link) and proactive-message targets

Revision ID: 0001_identity_targets
Revises:
Create Date: 2026-05-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_identity_targets"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="", nullable=False),
        sa.Column("employee_no", sa.String(length=64), nullable=True),
        sa.Column("link_method", sa.String(length=16), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "tenant_id", "user_id", name="uq_chat_user_platform_tenant_user"),
    )
    op.create_index("uq_chat_user_employee_platform", "chat_user", ["employee_no", "platform"], unique=True)
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("reference", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("inactive_reason", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "platform", "tenant_id", "conversation_id", name="uq_target_platform_tenant_conv"
        ),
    )
    op.create_index(
        "ix_target_platform_tenant_user", "target", ["platform", "tenant_id", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_target_platform_tenant_user", table_name="target")
    op.drop_table("target")
    op.drop_index("uq_chat_user_employee_platform", table_name="chat_user")
    op.drop_table("chat_user")
