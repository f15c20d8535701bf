"""deadline nudges (nudge_sent, nudge_snooze, nudge_prefs, nudge_team, nudge_roundup)

Revision ID: 0006_nudges
Revises: 0001_identity_targets
Create Date: 2026-05-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_nudges"
down_revision: str | Sequence[str] | None = "0001_identity_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nudge_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=255), nullable=False),
        sa.Column("batch_key", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("employee_no", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("due_key", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("snapshot", _JSON, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("step_key", name="uq_nudge_sent_step_key"),
    )
    op.create_index("ix_nudge_sent_batch", "nudge_sent", ["batch_key"], unique=False)
    op.create_index("ix_nudge_sent_state_created", "nudge_sent", ["state", "created_at"], unique=False)
    op.create_table(
        "nudge_snooze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("employee_no", sa.String(length=32), nullable=False),
        sa.Column("due_key", sa.String(length=16), nullable=False),
        sa.Column("until", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "task_id", "employee_no", name="uq_nudge_snooze_task_employee"),
    )
    op.create_index("ix_nudge_snooze_until", "nudge_snooze", ["until"], unique=False)
    op.create_table(
        "nudge_prefs",
        sa.Column("employee_no", sa.String(length=32), nullable=False),
        sa.Column("prefs", _JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("employee_no"),
    )
    op.create_table(
        "nudge_team",
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("prefs", _JSON, nullable=False),
        sa.Column("escalation_target_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=32), server_default="", nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["escalation_target_id"], ["target.id"], name="fk_nudge_team_target"),
        sa.PrimaryKeyConstraint("department_code"),
    )
    op.create_table(
        "nudge_roundup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name="fk_nudge_roundup_target"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_nudge_roundup_target_active", "nudge_roundup", ["target_id", "active"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nudge_roundup_target_active", table_name="nudge_roundup")
    op.drop_table("nudge_roundup")
    op.drop_table("nudge_team")
    op.drop_table("nudge_prefs")
    op.drop_index("ix_nudge_snooze_until", table_name="nudge_snooze")
    op.drop_table("nudge_snooze")
    op.drop_index("ix_nudge_sent_state_created", table_name="nudge_sent")
    op.drop_index("ix_nudge_sent_batch", table_name="nudge_sent")
    op.drop_table("nudge_sent")
