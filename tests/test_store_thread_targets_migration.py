"""Migration 0008 on both dialects: Teams targets stored under a reply thread's id move to their
channel's id (merged into the channel's target when it has one, renamed otherwise); other rows stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from commands.invocation import Platform
from store import migrate
from store.db import Database, to_sync_url
from store.targets import SqlTargetRepository
from tests.fixtures.db import create_pg_database, drop_pg_database

BEFORE = ("0005_digests", "0006_nudges")
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
TENANT = "tenant-1"
CHANNEL = "19:abc@thread.tacv2"
LONE_CHANNEL = "19:lone@thread.tacv2"

# The tables as 0005/0006 left them: only the columns written or read here.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TARGET = sa.table(
    "target",
    *(sa.column(name, sa.String()) for name in ("platform", "tenant_id", "conversation_id", "kind")),
    sa.column("id", sa.Integer()),
    sa.column("reference", _JSON),
    sa.column("active", sa.Boolean()),
    sa.column("inactive_reason", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
DIGEST = sa.table(
    "digest_subscription",
    *(sa.column(name, sa.String()) for name in ("platform", "schedule", "created_by")),
    sa.column("id", sa.Integer()),
    sa.column("target_id", sa.Integer()),
    sa.column("metrics", _JSON),
    sa.column("weekdays", _JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
ROUNDUP = sa.table(
    "nudge_roundup",
    *(sa.column(name, sa.String()) for name in ("platform", "department_code", "at", "timezone", "locale")),
    sa.column("id", sa.Integer()),
    sa.column("target_id", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
TEAM = sa.table(
    "nudge_team",
    sa.column("department_code", sa.String()),
    sa.column("prefs", _JSON),
    sa.column("escalation_target_id", sa.Integer()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url_before(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated up to the revisions 0008 follows."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh/bot.db"
    else:
        url = create_pg_database("chatops_thread_targets")
    try:
        for revision in BEFORE:
            migrate.upgrade(url, revision)
        yield url
    finally:
        if request.param == "postgresql":
            drop_pg_database(url)


@pytest.fixture
def engine(url_before: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(to_sync_url(url_before))
    try:
        yield engine
    finally:
        engine.dispose()


def reference(conversation_id: str) -> dict[str, Any]:
    return {
        "serviceUrl": "https://smba.example/kr/",
        "conversation": {"id": conversation_id, "conversationType": "channel", "tenantId": TENANT},
        "bot": {"id": "28:bot"},
        "tenantId": TENANT,
    }


def add_target(conn: sa.Connection, conversation_id: str, *, platform: str = "teams") -> int:
    values = {
        "platform": platform,
        "tenant_id": TENANT,
        "conversation_id": conversation_id,
        "kind": "channel",
        "reference": reference(conversation_id),
        "created_at": T0,
        "updated_at": T0,
    }
    return int(conn.execute(sa.insert(TARGET).values(values).returning(TARGET.c.id)).scalar_one())


def add_digest(conn: sa.Connection, target_id: int) -> int:
    values = {
        "platform": "teams",
        "target_id": target_id,
        "metrics": ["sales"],
        "schedule": "daily",
        "weekdays": [],
        "created_by": "E100",
        "created_at": T0,
        "updated_at": T0,
    }
    return int(conn.execute(sa.insert(DIGEST).values(values).returning(DIGEST.c.id)).scalar_one())


def add_roundup(conn: sa.Connection, target_id: int) -> int:
    values = {
        "platform": "teams",
        "target_id": target_id,
        "department_code": "D10",
        "at": "09:00",
        "timezone": "Asia/Seoul",
        "locale": "ko",
        "created_at": T0,
    }
    return int(conn.execute(sa.insert(ROUNDUP).values(values).returning(ROUNDUP.c.id)).scalar_one())


def add_team(conn: sa.Connection, department_code: str, target_id: int) -> None:
    values = {
        "department_code": department_code,
        "prefs": {},
        "escalation_target_id": target_id,
        "updated_at": T0,
    }
    conn.execute(sa.insert(TEAM).values(values))


def target_row(engine: sa.Engine, target_id: int) -> sa.RowMapping:
    with engine.connect() as conn:
        return conn.execute(sa.select(TARGET).where(TARGET.c.id == target_id)).mappings().one()


def pointer(
    engine: sa.Engine, column: sa.ColumnClause[Any], key: sa.ColumnClause[Any], value: object
) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.select(column).where(key == value)).scalar_one()


def test_a_thread_target_merges_into_its_channels_target(url_before: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        channel = add_target(conn, CHANNEL)
        thread = add_target(conn, f"{CHANNEL};messageid=1700000000000")
        other_thread = add_target(conn, f"{CHANNEL};MessageId=1700000000999")  # the rule ignores case
        digest, kept_digest = add_digest(conn, thread), add_digest(conn, channel)
        roundup = add_roundup(conn, other_thread)
        add_team(conn, "D10", thread)

    migrate.upgrade(url_before)

    assert pointer(engine, DIGEST.c.target_id, DIGEST.c.id, digest) == channel
    assert pointer(engine, DIGEST.c.target_id, DIGEST.c.id, kept_digest) == channel
    assert pointer(engine, ROUNDUP.c.target_id, ROUNDUP.c.id, roundup) == channel
    assert pointer(engine, TEAM.c.escalation_target_id, TEAM.c.department_code, "D10") == channel
    for merged in (thread, other_thread):
        row = target_row(engine, merged)
        assert (row["active"], row["inactive_reason"]) == (False, "merged into its channel")
        assert ";messageid=" in row["conversation_id"].lower()  # kept as it was, for the history
    row = target_row(engine, channel)
    assert (row["conversation_id"], row["active"], row["reference"]) == (CHANNEL, True, reference(CHANNEL))


async def test_a_lone_thread_target_is_renamed_to_its_channel(url_before: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        thread = add_target(conn, f"{LONE_CHANNEL};messageid=1700000000000")
        digest = add_digest(conn, thread)
        roundup = add_roundup(conn, thread)

    migrate.upgrade(url_before)

    row = target_row(engine, thread)
    assert (row["conversation_id"], row["active"], row["inactive_reason"]) == (LONE_CHANNEL, True, "")
    assert row["reference"] == reference(LONE_CHANNEL)
    assert pointer(engine, DIGEST.c.target_id, DIGEST.c.id, digest) == thread
    assert pointer(engine, ROUNDUP.c.target_id, ROUNDUP.c.id, roundup) == thread
    db = Database.from_url(url_before)
    try:  # what the adapter now looks up finds it
        found = await SqlTargetRepository(db).find(Platform.TEAMS, TENANT, LONE_CHANNEL)
        assert found is not None and found.id == thread
    finally:
        await db.dispose()


def test_rows_without_a_reply_thread_are_left_alone(url_before: str, engine: sa.Engine) -> None:
    slack_id = "C0123;messageid=1"  # not Teams: not touched whatever it looks like
    with engine.begin() as conn:
        slack = add_target(conn, slack_id, platform="slack")
        channel = add_target(conn, CHANNEL)
        personal = add_target(conn, "a:1personal-chat")
    with engine.connect() as conn:
        before = conn.execute(sa.select(TARGET).order_by(TARGET.c.id)).mappings().all()

    migrate.upgrade(url_before)

    with engine.connect() as conn:
        after = conn.execute(sa.select(TARGET).order_by(TARGET.c.id)).mappings().all()
    assert after == before
    assert [row["id"] for row in after] == [slack, channel, personal]
    assert after[0]["conversation_id"] == slack_id
