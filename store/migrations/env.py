"""Alembic environment, configured in code by store.migrate (no alembic.ini, no logging set-up).

store.migrate passes an open connection in `config.attributes["connection"]`; without one the URL in
the main option `sqlalchemy.url` is used (offline mode renders SQL for it).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from store.tables import metadata

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our TypeDecorators as their plain SQLAlchemy implementation, so migrations do not
    import application code (UTCDateTime → sa.DateTime(timezone=True))."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _options(sqlite: bool) -> dict[str, Any]:
    return {
        "target_metadata": metadata,
        "render_as_batch": sqlite,  # SQLite can only ALTER by copying the table
        "compare_type": True,
        "render_item": render_item,
    }


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name == "sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(url=url, literal_binds=True, **_options(url.startswith("sqlite")))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            run_with(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
