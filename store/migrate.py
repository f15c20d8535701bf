"""Schema migrations (Alembic, configured in code): upgrade, downgrade, current, and a helper to write
new revisions. Every function takes a database URL; any URL `Database.from_url` accepts will do.

Alembic (with Mako and Pygments) is imported only by the functions that need it: the start-up check
compares the database's revisions with `declared_heads()`, read from the revision files' text."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import column, create_engine, inspect, pool, select, table, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from store.db import make_parent_dir, to_sync_url
from store.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).parent / "migrations"
VERSIONS = SCRIPT_LOCATION / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not change it
# The files Alembic reads as revisions (alembic.script.base._only_source_rev_file).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
_MISSING = object()
# Serialises concurrent upgrades from several replicas on PostgreSQL ("chatops" in ASCII).
_PG_LOCK_KEY = 0x636861746F7073


def config(url: str | None = None) -> Config:
    """An Alembic Config pointing at store/migrations, without any ini file or logging set-up."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", to_sync_url(url).replace("%", "%%"))
    return cfg


def heads() -> list[str]:
    """The newest revision id(s) of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(config()).get_heads())


def declared_heads() -> set[str] | None:
    """The same heads as `heads()`, read from the revision files' text without importing Alembic or
    running the scripts: the revisions no other revision names as its `down_revision`. None when a
    file does not declare both as plain literals (then only `heads()` can tell)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted(VERSIONS.iterdir()):
        if not path.is_file() or not _REVISION_FILE.match(path.name):
            continue
        found = _declared(path)
        if found is None:
            return None
        revision, down = found
        revisions.add(revision)
        downs.update(down)
    return revisions - downs


def _declared(path: Path) -> tuple[str, tuple[str, ...]] | None:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = values.get("revision"), values.get("down_revision", _MISSING)
    if not isinstance(revision, str) or down is _MISSING:
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def upgrade(sync_url: str, revision: str = "heads") -> None:
    """Migrate the database up to `revision` (all the way by default). Safe to run from several
    processes at once on PostgreSQL (advisory lock)."""
    from alembic import command

    with _connection(sync_url) as conn:
        _run(conn, lambda cfg: command.upgrade(cfg, revision))


def downgrade(sync_url: str, revision: str) -> None:
    """Migrate the database down to `revision` ("base" empties it)."""
    from alembic import command

    with _connection(sync_url) as conn:
        _run(conn, lambda cfg: command.downgrade(cfg, revision))


def current(sync_url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated (several: comma-joined)."""
    at = current_heads(sync_url)
    return ",".join(sorted(at)) if at else None


def current_heads(sync_url: str) -> set[str]:
    """Every revision the database is at (more than one while migration branches are unmerged): the
    rows of Alembic's version table, none when it does not exist (as `MigrationContext` reads them)."""
    with _connection(sync_url) as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return set()
        version = table(VERSION_TABLE, column("version_num"))
        return {str(row[0]) for row in conn.execute(select(version.c.version_num))}


def revision(sync_url: str, message: str, *, rev_id: str, autogenerate: bool = True) -> None:
    """Write a new revision file (development helper), autogenerated against the database at
    `sync_url`, which must be migrated to head first. Keep `rev_id` within 32 characters."""
    from alembic import command

    with _connection(sync_url) as conn:
        _run(
            conn, lambda cfg: command.revision(cfg, message=message, rev_id=rev_id, autogenerate=autogenerate)
        )


def _run(conn: Connection, fn: Callable[[Config], object]) -> None:
    cfg = config()
    cfg.attributes["connection"] = conn
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
        conn.commit()
    try:
        fn(cfg)
        conn.commit()
    finally:
        if conn.dialect.name == "postgresql":
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
            conn.commit()


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    sync_url = to_sync_url(url)
    parsed = make_url(sync_url)
    if parsed.get_backend_name() == "sqlite":
        make_parent_dir(parsed.database or "")
        connect_args: dict[str, object] = {"timeout": 30}
    else:
        connect_args = {"connect_timeout": 10, "application_name": "chatops-migrate"}
    engine = create_engine(sync_url, poolclass=pool.NullPool, connect_args=connect_args)
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"cannot connect to migrate: {type(exc).__name__}") from exc
        with conn:
            yield conn
    finally:
        engine.dispose()
