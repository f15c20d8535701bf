"""approvals: the append-only audit log (audit_event) and the ERP decision queue (decision_queue)

Revision ID: 0004_approvals
Revises: 0001_identity_targets
Create Date: 2026-05-12

audit_event refuses UPDATE and DELETE in the database itself: a statement trigger on PostgreSQL, row
triggers on SQLite. TRUNCATE is not refused (the test fixtures and an administrator's purge use it).
A later batch_alter_table on SQLite copies the table and drops its triggers: create them again there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_approvals"
down_revision: str | Sequence[str] | None = "0001_identity_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_APPEND_ONLY = [
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit_event is append-only; ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
]
_PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]
_SQLITE_APPEND_ONLY = [
    f"""
    CREATE TRIGGER audit_event_no_{op_name.lower()} BEFORE {op_name} ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only; {op_name} refused'); END
    """
    for op_name in ("UPDATE", "DELETE")
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("actor_employee_no", sa.String(length=64), server_default="", nullable=False),
        sa.Column("platform", sa.String(length=16), server_default="", nullable=False),
        sa.Column("platform_user_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("tenant_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("action", sa.String(length=16), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=64), server_default="", nullable=False),
        sa.Column("on_behalf_of", sa.String(length=64), server_default="", nullable=False),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"], unique=False)
    op.create_index("ix_audit_event_item_at", "audit_event", ["item_id", "at"], unique=False)
    for statement in _PG_APPEND_ONLY if _postgresql() else _SQLITE_APPEND_ONLY:
        op.execute(statement)

    op.create_table(
        "decision_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_employee_no", sa.String(length=64), nullable=False),
        sa.Column("expected_version", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("on_behalf_of", sa.String(length=64), server_default="", nullable=False),
        sa.Column("platform", sa.String(length=16), server_default="", nullable=False),
        sa.Column("platform_user_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("tenant_id", sa.String(length=128), server_default="", nullable=False),
        sa.Column("locale", sa.String(length=16), server_default="ko", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_decision_queue_idempotency_key"),
    )
    op.create_index("ix_decision_queue_item", "decision_queue", ["item_id"], unique=False)
    op.create_index(
        "ix_decision_queue_status_due", "decision_queue", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_decision_queue_status_due", table_name="decision_queue")
    op.drop_index("ix_decision_queue_item", table_name="decision_queue")
    op.drop_table("decision_queue")
    for statement in _PG_DROP if _postgresql() else _SQLITE_DROP:
        op.execute(statement)
    op.drop_index("ix_audit_event_item_at", table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("audit_event")
