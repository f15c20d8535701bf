"""The demo ERP's own SQLite file: schema, connections, and running work off the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import TypeVar

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS departments (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, parent_code TEXT, head_no TEXT,
    depth INTEGER NOT NULL, sort INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS employees (
    employee_no TEXT PRIMARY KEY, name TEXT NOT NULL, english_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE, department_code TEXT NOT NULL, title TEXT NOT NULL,
    position TEXT NOT NULL, manager_no TEXT, roles TEXT NOT NULL, hired_on TEXT NOT NULL,
    absence_from TEXT, absence_to TEXT, acting_no TEXT);
CREATE TABLE IF NOT EXISTS approvals (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, title TEXT NOT NULL,
    requester_no TEXT NOT NULL, amount TEXT, currency TEXT NOT NULL, lines TEXT NOT NULL,
    due_date TEXT, attachments TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS approvals_created ON approvals (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS approval_steps (
    item_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, approver_no TEXT NOT NULL,
    state TEXT NOT NULL, decided_at TEXT, decided_by TEXT, acting_for TEXT, comment TEXT NOT NULL,
    final_authority INTEGER NOT NULL, allow_hold INTEGER NOT NULL,
    PRIMARY KEY (item_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, item_id TEXT NOT NULL, fingerprint TEXT NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kpi_metrics (
    metric TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL, unit TEXT NOT NULL,
    aggregation TEXT NOT NULL, departments TEXT NOT NULL, sort INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kpi_facts (
    metric TEXT NOT NULL, department_code TEXT NOT NULL, day TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (metric, department_code, day)) WITHOUT ROWID;
"""
TABLES = (
    "meta",
    "departments",
    "employees",
    "approvals",
    "approval_steps",
    "idempotency",
    "kpi_metrics",
    "kpi_facts",
)


def connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode; callers open transactions explicitly."""
    conn = sqlite3.connect(path, timeout=15.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def create_schema(path: str) -> None:
    with closing(connect(path)) as conn:
        conn.executescript(SCHEMA)


def in_transaction(path: str, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` in one write transaction (BEGIN IMMEDIATE: writers queue up, even across processes)."""
    with closing(connect(path)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result


class DemoDb:
    """Where the demo's data lives; every query runs in a worker thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        # One writer at a time inside this process; SQLite's lock covers other processes.
        self._write_lock = asyncio.Lock()

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self._read, work)

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with closing(connect(self.path)) as conn:
            return work(conn)

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        async with self._write_lock:
            return await asyncio.to_thread(in_transaction, self.path, work)
