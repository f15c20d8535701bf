"""The database engine: one async SQLAlchemy engine per process, built from a URL by the composition root.

SQLite lets one writer in at a time. Pooled connections that write concurrently wait for each other in
SQLite's busy handler (a sleep-and-poll loop of up to `busy_timeout`, then "database is locked"), so on
SQLite every `Database.run` of the process queues on an asyncio lock instead: one unit of work at a
time, no busy waits between our own connections. The busy timeout stays for other processes (the CLI,
another worker). PostgreSQL runs units of work concurrently, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from loguru import logger
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from commands.errors import ConfigurationError
from store.errors import DatabaseUnavailable

T = TypeVar("T")
Dialect = Literal["sqlite", "postgresql"]

_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}
_PG_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+asyncpg"}
SQLITE_BUSY_TIMEOUT_MS = 5000
PING_TIMEOUT = 5.0

# The unit of work (a token per `run` attempt) this task runs in, to refuse a nested `run` on SQLite.
_CURRENT_UNIT: ContextVar[object | None] = ContextVar("chatops_db_unit", default=None)


def parse_url(url: str) -> tuple[Dialect, URL]:
    """The dialect and the async URL (sqlite+aiosqlite / postgresql+psycopg) for a configured URL."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ConfigurationError("database URL cannot be parsed") from exc
    if parsed.drivername in _SQLITE_DRIVERS:
        if parsed.database in (None, "", ":memory:"):
            raise ConfigurationError("in-memory SQLite is not supported; give a file path")
        return "sqlite", parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in _PG_DRIVERS:
        return "postgresql", parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(f"unsupported database URL scheme {parsed.drivername!r}")


def to_sync_url(url: str) -> str:
    """The URL for synchronous tools (Alembic): sqlite:///… or postgresql+psycopg://…, password kept."""
    dialect, parsed = parse_url(url)
    drivername = "sqlite" if dialect == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def _is_transient(exc: BaseException) -> bool:
    """Worth retrying: connection trouble, a locked SQLite file, a PG serialization failure/deadlock."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | OSError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Database:
    """An async engine plus a session factory. Build it with `Database.from_url(url)`."""

    def __init__(self, engine: AsyncEngine, dialect: Dialect) -> None:
        self._engine = engine
        self._dialect: Dialect = dialect
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._unit_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._unit: object | None = None  # the token of the unit of work holding the lock

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 5,
        max_overflow: int = 10,
        busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    ) -> Database:
        """Accepts sqlite:///path, sqlite+aiosqlite:///path, postgres(ql)://…, postgresql+psycopg://….
        SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a pre-pinged pool."""
        dialect, async_url = parse_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if dialect == "sqlite":
            make_parent_dir(async_url.database or "")
        else:
            kwargs.update(
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=True,
                pool_recycle=1800,
                pool_timeout=10,
                connect_args={"connect_timeout": 5, "application_name": "chatops-bot"},
            )
        engine = create_async_engine(async_url, **kwargs)
        if dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms))
        return cls(engine, dialect)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def url(self) -> str:
        """The async URL, password included (never log it; `repr(db)` hides it)."""
        return self._engine.url.render_as_string(hide_password=False)

    @property
    def sync_url(self) -> str:
        """The same database for synchronous tools (Alembic): sqlite:///… or postgresql+psycopg://…."""
        return to_sync_url(self.url)

    def __repr__(self) -> str:
        return f"Database({self._engine.url.render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; commit explicitly. Uncommitted work is rolled back when the block ends. It does not
        queue with `run` on SQLite: use it for reads (and tests); write through `run`."""
        async with self._sessions() as session:
            yield session

    async def run(self, fn: Callable[[AsyncSession], Awaitable[T]], *, retries: int = 3) -> T:
        """Run `fn` in a fresh session and commit; retry briefly when the database is momentarily
        unavailable or locked. `fn` may run more than once, so keep it to database work. On SQLite the
        process runs one unit of work at a time (see the module docstring), so `fn` must not call `run`."""
        attempt = 0
        while True:
            try:
                return await self._attempt(fn)
            except Exception as exc:
                if not _is_transient(exc):
                    raise
                if attempt >= retries:
                    raise DatabaseUnavailable(f"database unavailable after {attempt + 1} attempts") from exc
                delay = min(0.05 * 2**attempt, 1.0) * (0.5 + random.random())
                logger.warning(
                    "database busy/unavailable ({}), retry {} in {:.2f}s",
                    type(exc).__name__,
                    attempt + 1,
                    delay,
                )
                attempt += 1
                await asyncio.sleep(delay)  # outside the lock: other units of work go on meanwhile

    async def _attempt(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        lock = self._sqlite_lock()
        if lock is None:
            return await self._commit(fn)
        if self._unit is not None and _CURRENT_UNIT.get() is self._unit:
            raise RuntimeError("Database.run called inside Database.run: on SQLite that would deadlock")
        async with lock:
            self._unit = unit = object()
            token = _CURRENT_UNIT.set(unit)
            try:
                return await self._commit(fn)
            finally:
                _CURRENT_UNIT.reset(token)
                self._unit = None

    async def _commit(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.session() as session:
            result = await fn(session)
            await session.commit()
            return result

    def _sqlite_lock(self) -> asyncio.Lock | None:
        """The lock that serialises this process's units of work on SQLite (one per event loop, since
        an asyncio.Lock belongs to one loop); None on PostgreSQL."""
        if self._dialect != "sqlite":
            return None
        loop = asyncio.get_running_loop()
        if self._unit_lock is None or self._unit_lock[0] is not loop:
            self._unit_lock = (loop, asyncio.Lock())
        return self._unit_lock[1]

    async def ping(self) -> None:
        """SELECT 1; raises DatabaseUnavailable when the database cannot answer within PING_TIMEOUT."""
        try:
            async with asyncio.timeout(PING_TIMEOUT), self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            raise DatabaseUnavailable(f"database ping failed: {type(exc).__name__}") from exc

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()


def make_parent_dir(path: str) -> None:
    """Create the directory of a SQLite file; a failure surfaces on the first connection."""
    with contextlib.suppress(OSError):  # the first connection reports it as DatabaseUnavailable
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
