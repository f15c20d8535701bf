"""scheduler: job definitions (scheduled_job) and run records (job_run)

Revision ID: 0003_scheduler
Revises: 0001_identity_targets
Create Date: 2026-05-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_scheduler"
down_revision: str | Sequence[str] | None = "0001_identity_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scheduled_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="Asia/Seoul", nullable=False),
        sa.Column("business_days_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_scheduled_job_name"),
    )
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=192), nullable=False),
        sa.Column("job_name", sa.String(length=128), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.Column("replica_id", sa.String(length=128), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_key", name="uq_job_run_run_key"),
    )
    op.create_index("ix_job_run_job_scheduled", "job_run", ["job_name", "scheduled_for"], unique=False)
    op.create_index("ix_job_run_status_started", "job_run", ["status", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_job_run_status_started", table_name="job_run")
    op.drop_index("ix_job_run_job_scheduled", table_name="job_run")
    op.drop_table("job_run")
    op.drop_table("scheduled_job")
