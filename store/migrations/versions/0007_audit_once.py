"""audit_event.once_key: one `decided` record per decision, however often the ERP replayed it

Revision ID: 0007_audit_once
Revises: 0004_approvals
Create Date: 2026-05-20

A nullable column with a unique index: existing rows stay NULL, and NULLs never collide. Plain ALTER
TABLE on both dialects (no batch copy on SQLite), so the append-only triggers of 0004 stay in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_audit_once"
down_revision: str | Sequence[str] | None = "0004_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("once_key", sa.String(length=255), nullable=True))
    op.create_index("uq_audit_event_once_key", "audit_event", ["once_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_audit_event_once_key", table_name="audit_event")
    op.drop_column("audit_event", "once_key")
