"""The demo groupware's data access: SQLite via aiosqlite, answers already in Dooray's JSON shape."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

import aiosqlite

from adapters.groupware.demo.filters import ORDERS, PostQuery
from adapters.groupware.demo.schema import create_schema

_POST_SELECT = """
SELECT p.*, w.name AS workflow_name, w.class AS workflow_class, pr.code AS project_code
FROM posts p JOIN workflows w ON w.id = p.workflow_id JOIN projects pr ON pr.id = p.project_id
"""


class DemoStore:
    """One long-lived aiosqlite connection to the demo database file."""

    def __init__(self, db_path: str, tz: tzinfo) -> None:
        self._path = db_path
        self._tz = tz
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        with sqlite3.connect(self._path) as conn:
            create_schema(conn)
        self._db = await aiosqlite.connect(self._path)
        self._db.row_factory = aiosqlite.Row

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("DemoStore is not open")
        return self._db

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.db.execute_fetchall(sql, params))

    async def projects(self, project_id: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE id = ?", [project_id]) if project_id else ("", [])
        found = await self.rows(f"SELECT * FROM projects {where} ORDER BY code", params)  # noqa: S608
        return [{"id": r["id"], "code": r["code"], "description": r["description"], "scope": "private",
                 "state": "active", "type": "public"} for r in found]  # fmt: skip

    async def workflows(self, project_id: str) -> list[dict[str, Any]]:
        found = await self.rows("SELECT * FROM workflows WHERE project_id = ? ORDER BY ord", [project_id])
        return [{"id": r["id"], "name": r["name"], "order": r["ord"], "class": r["class"],
                 "names": [{"locale": "ko_KR", "name": r["name"]}]} for r in found]  # fmt: skip

    async def member(self, member_id: str) -> dict[str, Any] | None:
        found = await self.rows("SELECT * FROM members WHERE id = ?", [member_id])
        return _member_json(found[0]) if found else None

    async def members_by_email(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        wanted = [e.lower() for e in emails]
        marks = ",".join("?" * len(wanted))
        found = await self.rows(f"SELECT * FROM members WHERE lower(email) IN ({marks}) ORDER BY id", wanted)  # noqa: S608
        return [_member_json(r) for r in found]

    async def list_posts(self, project_id: str, q: PostQuery) -> tuple[list[dict[str, Any]], int]:
        where = ["p.project_id = ?"]
        params: list[Any] = [project_id]
        for column, values in (("p.from_member_id", q.from_member_ids), ("w.class", q.workflow_classes),
                               ("p.workflow_id", q.workflow_ids)):  # fmt: skip
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if q.to_member_ids:
            marks = ",".join("?" * len(q.to_member_ids))
            where.append(
                f"EXISTS (SELECT 1 FROM post_to t WHERE t.post_id = p.id AND t.member_id IN ({marks}))"  # noqa: S608
            )
            params.extend(q.to_member_ids)
        if q.post_number is not None:
            where.append("p.number = ?")
            params.append(q.post_number)
        if q.subject:
            where.append("instr(p.subject, ?) > 0")
            params.append(q.subject)
        for column, span in (("p.due_ts", q.due), ("p.created_ts", q.created), ("p.updated_ts", q.updated)):
            if span is not None:
                where.append(f"{column} BETWEEN ? AND ?")
                params.extend(span)
        if q.due is not None:
            where.append("p.due_date_flag = 1")
        clause = " AND ".join(where)
        total_row = await self.rows(
            f"SELECT count(*) AS n FROM posts p JOIN workflows w ON w.id = p.workflow_id WHERE {clause}",  # noqa: S608
            params,
        )
        page = await self.rows(
            f"{_POST_SELECT} WHERE {clause} ORDER BY {ORDERS[q.order]} LIMIT ? OFFSET ?",
            [*params, q.size, q.page * q.size],
        )
        return await self._render(page), int(total_row[0]["n"])

    async def post(self, post_id: str, project_id: str | None = None) -> dict[str, Any] | None:
        sql, params = f"{_POST_SELECT} WHERE p.id = ?", [post_id]
        if project_id is not None:
            sql, params = sql + " AND p.project_id = ?", [*params, project_id]
        found = await self.rows(sql, params)
        rendered = await self._render(found)
        return rendered[0] if rendered else None

    async def set_workflow(self, project_id: str, post_id: str, workflow_id: str, now: datetime) -> bool:
        """Move the whole post (and every assignee) to `workflow_id`; False if post or workflow unknown."""
        if not await self.rows(
            "SELECT 1 FROM workflows WHERE id = ? AND project_id = ?", [workflow_id, project_id]
        ):
            return False
        cursor = await self.db.execute(
            "UPDATE posts SET workflow_id = ?, updated_ts = ? WHERE id = ? AND project_id = ?",
            [workflow_id, int(now.timestamp()), post_id, project_id],
        )
        if cursor.rowcount == 0:
            return False
        await self.db.execute("UPDATE post_to SET workflow_id = ? WHERE post_id = ?", [workflow_id, post_id])
        await self.db.commit()
        return True

    async def closed_workflow(self, project_id: str) -> str | None:
        """The representative 'closed' workflow of a project (the first by order)."""
        found = await self.rows(
            "SELECT id FROM workflows WHERE project_id = ? AND class = 'closed' ORDER BY ord LIMIT 1",
            [project_id],
        )
        return str(found[0]["id"]) if found else None

    async def set_due(self, project_id: str, post_id: str, due: datetime | None, now: datetime) -> bool:
        cursor = await self.db.execute(
            "UPDATE posts SET due_ts = ?, due_date_flag = ?, updated_ts = ? WHERE id = ? AND project_id = ?",
            [None if due is None else int(due.timestamp()), int(due is not None), int(now.timestamp()),
             post_id, project_id],
        )  # fmt: skip
        await self.db.commit()
        return cursor.rowcount > 0

    async def add_hook(self, project_id: str, url: str, events: Sequence[str]) -> str:
        hook_id = str(uuid.uuid4().int)[:19]
        await self.db.execute(
            "INSERT INTO hooks (id, project_id, url, send_events) VALUES (?, ?, ?, ?)",
            [hook_id, project_id, url, ",".join(events)],
        )
        await self.db.commit()
        return hook_id

    async def hook_urls(self, project_id: str, event: str) -> list[str]:
        found = await self.rows(
            "SELECT url, send_events FROM hooks WHERE project_id = ? ORDER BY id", [project_id]
        )
        return [str(r["url"]) for r in found if event in str(r["send_events"]).split(",")]

    async def _render(self, posts: list[aiosqlite.Row]) -> list[dict[str, Any]]:
        if not posts:
            return []
        ids = [p["id"] for p in posts]
        marks = ",".join("?" * len(ids))
        sql = (
            "SELECT t.post_id, t.member_id, m.name, w.id AS wid, w.name AS wname FROM post_to t"  # noqa: S608
            " LEFT JOIN members m ON m.id = t.member_id JOIN workflows w ON w.id = t.workflow_id"
            f" WHERE t.post_id IN ({marks}) ORDER BY t.member_id"
        )
        to_rows = await self.rows(sql, ids)
        assignees: dict[str, list[dict[str, Any]]] = {}
        for r in to_rows:
            assignees.setdefault(r["post_id"], []).append({
                "type": "member",
                "member": {"organizationMemberId": r["member_id"], "name": r["name"] or ""},
                "workflow": {"id": r["wid"], "name": r["wname"]},
            })  # fmt: skip
        return [self._post_json(p, assignees.get(p["id"], [])) for p in posts]

    def _post_json(self, p: aiosqlite.Row, to: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": p["id"],
            "subject": p["subject"],
            "project": {"id": p["project_id"], "code": p["project_code"]},
            "taskNumber": f"{p['project_code']}/{p['number']}",
            "number": p["number"],
            "closed": p["workflow_class"] == "closed",
            "createdAt": self.iso(p["created_ts"]),
            "updatedAt": self.iso(p["updated_ts"]),
            "dueDate": self.iso(p["due_ts"]) if p["due_date_flag"] else None,
            "dueDateFlag": bool(p["due_date_flag"]),
            "priority": p["priority"],
            "parent": {},
            "workflowClass": p["workflow_class"],
            "workflow": {"id": p["workflow_id"], "name": p["workflow_name"]},
            "milestone": None,
            "tags": [],
            "body": {"mimeType": "text/x-markdown", "content": p["body"]},
            "users": {
                "from": {"type": "member", "member": {"organizationMemberId": p["from_member_id"]}},
                "to": to,
                "cc": [],
            },
            "files": [],
        }

    def iso(self, ts: int | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, self._tz).isoformat(timespec="seconds")


def _member_json(r: aiosqlite.Row) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "userCode": r["user_code"],
        "externalEmailAddress": r["email"],
        "idProviderType": "service",
        "locale": "ko_KR",
        "timezoneName": "Asia/Seoul",
    }
