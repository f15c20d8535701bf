"""Teams targets stored under a reply thread's id move to their channel's id

Revision ID: 0008_teams_thread_targets
Revises: 0005_digests, 0006_nudges
Create Date: 2026-05-21

Before, a message written in a channel's reply thread stored its target under the thread's id
(`19:…@thread.tacv2;messageid=…`); the Teams adapter now stores and looks up the channel's id. For
each such row: when the channel already has a target, the digest subscriptions, nudge roundups and
team escalations made in the thread are re-pointed to it and the thread row is kept, inactive (the
outbox and the audit still name it); otherwise the thread row is renamed to the channel's id, in its
conversation reference too. Data only: the downgrade leaves everything as it is (merged rows cannot
be told apart again).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

revision: str = "0008_teams_thread_targets"
down_revision: str | Sequence[str] | None = ("0005_digests", "0006_nudges")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of adapters/teams/mapping.py's rule as of this revision (migrations never import the app).
_REPLY_CHAIN = re.compile(r";messageid=.*\Z", re.IGNORECASE | re.DOTALL)
MERGED = "merged into its channel"

_TARGET = sa.table(
    "target",
    sa.column("id", sa.Integer()),
    sa.column("platform", sa.String()),
    sa.column("tenant_id", sa.String()),
    sa.column("conversation_id", sa.String()),
    sa.column("reference", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.column("active", sa.Boolean()),
    sa.column("inactive_reason", sa.String()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_DIGEST = sa.table("digest_subscription", sa.column("target_id", sa.Integer()))
_ROUNDUP = sa.table("nudge_roundup", sa.column("target_id", sa.Integer()))
_TEAM = sa.table("nudge_team", sa.column("escalation_target_id", sa.Integer()))


def channel_of(conversation_id: str) -> str:
    return _REPLY_CHAIN.sub("", conversation_id) or conversation_id


def upgrade() -> None:
    conn = op.get_bind()
    teams = _TARGET.c.platform == "teams"
    thread_rows = conn.execute(
        sa.select(_TARGET.c.id, _TARGET.c.tenant_id, _TARGET.c.conversation_id, _TARGET.c.reference)
        .where(teams, sa.func.lower(_TARGET.c.conversation_id).like("%;messageid=%"))
        .order_by(_TARGET.c.id)
    ).all()
    now = _now(conn)
    for thread_id, tenant_id, conversation_id, reference in thread_rows:
        channel_id = channel_of(conversation_id)
        if channel_id == conversation_id:
            continue
        channel_target = conn.execute(
            sa.select(_TARGET.c.id).where(
                teams, _TARGET.c.tenant_id == tenant_id, _TARGET.c.conversation_id == channel_id
            )
        ).scalar_one_or_none()
        if channel_target is None:
            _rename(conn, thread_id, channel_id, reference, now)
        else:
            _merge(conn, thread_id, channel_target, now)


def downgrade() -> None:
    """Nothing to undo: a merged thread target cannot be told apart from its channel's again."""


def _rename(conn: Connection, target_id: int, channel_id: str, reference: Any, now: datetime) -> None:
    conn.execute(
        sa.update(_TARGET)
        .where(_TARGET.c.id == target_id)
        .values(
            conversation_id=channel_id, reference=_with_conversation(reference, channel_id), updated_at=now
        )
    )


def _merge(conn: Connection, thread_id: int, channel_target: int, now: datetime) -> None:
    for tbl, col in ((_DIGEST, "target_id"), (_ROUNDUP, "target_id"), (_TEAM, "escalation_target_id")):
        conn.execute(sa.update(tbl).where(tbl.c[col] == thread_id).values({col: channel_target}))
    conn.execute(
        sa.update(_TARGET)
        .where(_TARGET.c.id == thread_id)
        .values(active=False, inactive_reason=MERGED, updated_at=now)
    )


def _with_conversation(reference: Any, channel_id: str) -> Any:
    if not isinstance(reference, dict) or not isinstance(reference.get("conversation"), dict):
        return reference
    return {**reference, "conversation": {**reference["conversation"], "id": channel_id}}


def _now(conn: Connection) -> datetime:
    """UTC now as store.coltypes.UTCDateTime writes it: naive on SQLite, aware on PostgreSQL."""
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
