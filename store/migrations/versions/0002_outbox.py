"""outbox: proactive messages waiting for, in, or done with delivery

Revision ID: 0002_outbox
Revises: 0001_identity_targets
Create Date: 2026-05-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_outbox"
down_revision: str | Sequence[str] | None = "0001_identity_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_key", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("person_user", sa.String(length=255), nullable=True),
        sa.Column("conv_key", sa.String(length=600), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="ko", nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("reply_to", sa.String(length=512), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("throttled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recovered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), server_default="", nullable=False),
        sa.Column("platform_message_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name="fk_outbox_target"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_key", name="uq_outbox_delivery_key"),
    )
    op.create_index("ix_outbox_status_due", "outbox", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_outbox_conv_status", "outbox", ["conv_key", "status", "id"], unique=False)
    op.create_index("ix_outbox_target", "outbox", ["target_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_target", table_name="outbox")
    op.drop_index("ix_outbox_conv_status", table_name="outbox")
    op.drop_index("ix_outbox_status_due", table_name="outbox")
    op.drop_table("outbox")
