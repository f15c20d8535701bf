"""Core SQL helpers shared by the repositories: race-safe upserts for both dialects, typed fetches."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, RowMapping, Table, alias
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

Excluded = ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]
_EXCLUDED: dict[Table, Excluded] = {}


def _excluded(table: Table) -> Excluded:
    """What `Insert.excluded` is (`alias(table, name="excluded").columns`), built once per table:
    building it sets up a proxy for every column, more work than the rest of a small upsert."""
    found = _EXCLUDED.get(table)
    if found is None:
        found = _EXCLUDED[table] = alias(table, name="excluded").columns
    return found


def upsert(
    dialect: str,
    table: Table,
    values: Mapping[str, Any],
    *,
    keys: Sequence[str],
    update: Callable[[Excluded], Mapping[str, Any]],
    where: Callable[[Excluded], ColumnElement[bool]] | None = None,
) -> Insert:
    """`INSERT values ON CONFLICT (keys) DO UPDATE SET update(excluded) [WHERE where(excluded)]
    RETURNING *`. With a WHERE that is false the statement returns no row."""
    stmt: postgresql.Insert | sqlite.Insert
    stmt = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = stmt.values(dict(values))
    excluded = _excluded(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_=dict(update(excluded)),
        where=where(excluded) if where is not None else None,
    )
    return stmt.returning(*table.c)


async def fetch_all(session: AsyncSession, stmt: Executable) -> Sequence[RowMapping]:
    """Every row of a core statement, run inside the session's transaction."""
    conn = await session.connection()
    return (await conn.execute(stmt)).mappings().all()


async def fetch_one(session: AsyncSession, stmt: Executable) -> RowMapping | None:
    """The single row of a core statement, or None (more than one row is an error)."""
    conn = await session.connection()
    return (await conn.execute(stmt)).mappings().one_or_none()
