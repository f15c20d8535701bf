"""The demo groupware's SQLite schema (one file; the service keeps no state elsewhere)."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, user_code TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workflows (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL, class TEXT NOT NULL, ord INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id), number INTEGER NOT NULL,
    subject TEXT NOT NULL, body TEXT NOT NULL, priority TEXT NOT NULL,
    due_ts INTEGER, due_date_flag INTEGER NOT NULL, workflow_id TEXT NOT NULL REFERENCES workflows(id),
    from_member_id TEXT NOT NULL, created_ts INTEGER NOT NULL, updated_ts INTEGER NOT NULL,
    UNIQUE (project_id, number)
);
CREATE TABLE IF NOT EXISTS post_to (
    post_id TEXT NOT NULL REFERENCES posts(id), member_id TEXT NOT NULL, workflow_id TEXT NOT NULL,
    PRIMARY KEY (post_id, member_id)
);
CREATE TABLE IF NOT EXISTS hooks (
    id TEXT PRIMARY KEY, project_id TEXT NOT NULL, url TEXT NOT NULL, send_events TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_project_due ON posts (project_id, due_ts);
"""

DATA_TABLES = ("post_to", "posts", "workflows", "projects", "members", "hooks", "meta")


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table that is missing."""
    conn.executescript(SCHEMA)
