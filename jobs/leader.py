"""Leadership across replicas: only the leader's scheduler fires triggers.

On PostgreSQL the leader holds a session-level advisory lock on a dedicated connection. When its process
dies the connection closes, the server frees the lock, and another replica's next `check()` takes it.
SQLite means a single process, which always leads. Leadership saves wasted work only: the unique run key
already keeps a run from happening twice. psycopg is imported by `PgAdvisoryLeader` only, so a SQLite
deployment never loads it.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Protocol

from loguru import logger

from store.db import Database, parse_url

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

SCHEDULER_LOCK_NAME = "chatops-scheduler"
CHECK_TIMEOUT = 5.0
# The server drops a vanished leader's session (and its lock) after ~5 + 2×3 s of silence, instead of
# the kernel default of two hours; statements and idle sessions are never cut short by server settings.
_SESSION_OPTIONS = (
    "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"
    " -c statement_timeout=5000 -c idle_session_timeout=0 -c idle_in_transaction_session_timeout=0"
)
_HOLDS_LOCK = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    " AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1"
)


class Leader(Protocol):
    """Who may fire triggers. The scheduler calls `check()` every few seconds."""

    @property
    def is_leader(self) -> bool:
        """The result of the last check."""
        ...

    async def check(self) -> bool:
        """Take the leadership if it is free, confirm it if held; returns whether this replica leads."""
        ...

    async def release(self) -> None:
        """Give the leadership up (at shutdown), so another replica takes over at once."""
        ...


class AlwaysLeader:
    """The single process of a SQLite deployment: always the leader."""

    is_leader = True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def lock_key(name: str) -> int:
    """A stable positive 63-bit advisory lock key for a name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 1


class PgAdvisoryLeader:
    """Leadership by `pg_try_advisory_lock` held on a dedicated autocommit connection.

    Not compatible with a transaction-pooling PgBouncer in front of PostgreSQL (session locks need a
    session): point the URL at PostgreSQL itself or at a session-pooling bouncer.
    """

    def __init__(self, url: str, *, name: str = SCHEDULER_LOCK_NAME, replica_id: str = "") -> None:
        dialect, parsed = parse_url(url)
        if dialect != "postgresql":
            raise ValueError("PgAdvisoryLeader needs a PostgreSQL URL")
        self._conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self._key = lock_key(name)
        self._app_name = f"chatops-leader {replica_id}"[:63]
        self._conn: psycopg.AsyncConnection[TupleRow] | None = None
        self._leading = False

    @property
    def is_leader(self) -> bool:
        return self._leading

    async def check(self) -> bool:
        import psycopg

        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                fresh = self._conn is None or self._conn.closed
                conn = await self._connection()
                if self._leading and not fresh:
                    cur = await conn.execute(_HOLDS_LOCK, (self._key >> 32, self._key & 0xFFFFFFFF))
                else:
                    cur = await conn.execute("SELECT pg_try_advisory_lock(%s)::int", (self._key,))
                row = await cur.fetchone()
                leading = bool(row and row[0])
        except (psycopg.Error, OSError, TimeoutError) as exc:
            logger.warning("scheduler leadership check failed: {}", type(exc).__name__)
            leading = False
            await self._close()
        if leading != self._leading:
            logger.info("scheduler leadership {}", "acquired" if leading else "lost")
        self._leading = leading
        return leading

    async def release(self) -> None:
        """Unlock (so that the next check elsewhere succeeds at once), then close the connection."""
        import psycopg

        if self._leading and self._conn is not None and not self._conn.closed:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            except (psycopg.Error, OSError, TimeoutError):
                logger.debug("advisory unlock failed; closing the session frees the lock")
        self._leading = False
        await self._close()

    async def _connection(self) -> psycopg.AsyncConnection[TupleRow]:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=int(CHECK_TIMEOUT),
                application_name=self._app_name,
                options=_SESSION_OPTIONS,
            )
        return self._conn

    async def _close(self) -> None:
        import psycopg

        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                await conn.close()
            except (psycopg.Error, OSError):
                logger.debug("leader connection did not close cleanly")


def build_leader(db: Database, *, replica_id: str = "") -> Leader:
    """PgAdvisoryLeader on PostgreSQL, AlwaysLeader on SQLite."""
    if db.dialect == "postgresql":
        return PgAdvisoryLeader(db.url, replica_id=replica_id)
    return AlwaysLeader()
