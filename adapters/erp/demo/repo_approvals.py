"""Approval items in the demo ERP's database: loading, saving, listing, deciding, creating."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import astuple, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from adapters.erp.demo import workflow
from adapters.erp.demo.common import WEB_BASE, Problem, decode_cursor, encode_cursor, number
from adapters.erp.demo.org import FINANCE, HR, PURCHASING
from adapters.erp.demo.repo_org import acting_approvers, people

PREFIX = {"purchase_order": "PO", "expense": "EX", "leave": "LV"}
LEVEL_BY_DEPTH = {0: workflow.CEO, 1: workflow.DIVISION, 2: workflow.TEAM}
STEP_COLUMNS = ("seq", "kind", "approver_no", "state", "decided_at", "decided_by", "acting_for", "comment")


@dataclass(frozen=True)
class NewItem:
    type: str
    title: str
    requester_no: str
    amount: Decimal | None
    currency: str
    lines: list[dict[str, Any]]
    due_date: date | None
    attachments: list[dict[str, str]]


def load_steps(conn: sqlite3.Connection, item_ids: list[str]) -> dict[str, list[workflow.Step]]:
    marks = ",".join("?" * len(item_ids))
    rows = conn.execute(
        f"SELECT * FROM approval_steps WHERE item_id IN ({marks}) ORDER BY item_id, seq",  # noqa: S608
        item_ids,
    )
    steps: dict[str, list[workflow.Step]] = {i: [] for i in item_ids}
    for r in rows:
        fields = {k: r[k] for k in STEP_COLUMNS}
        steps[r["item_id"]].append(
            workflow.Step(
                **fields, final_authority=bool(r["final_authority"]), allow_hold=bool(r["allow_hold"])
            )
        )
    return steps


def save_steps(conn: sqlite3.Connection, item_id: str, steps: list[workflow.Step]) -> None:
    conn.execute("DELETE FROM approval_steps WHERE item_id = ?", (item_id,))
    conn.executemany(
        "INSERT INTO approval_steps VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(item_id, *astuple(s)) for s in steps],
    )


def _item_json(
    row: sqlite3.Row, steps: list[workflow.Step], persons: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": row["id"],
        "type": row["type"],
        "title": row["title"],
        "requester": persons[row["requester_no"]],
        "amount": None if row["amount"] is None else number(row["amount"]),
        "currency": row["currency"],
        "lines": json.loads(row["lines"]),
        "due_date": row["due_date"],
        "attachments": json.loads(row["attachments"]),
        "web_url": f"{WEB_BASE}/approval/{row['id']}",
        "status": row["status"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "steps": [
            {
                "seq": s.seq,
                "kind": s.kind,
                "approver": persons[s.approver_no],
                "state": s.state,
                "decided_at": s.decided_at,
                "decided_by": s.decided_by,
                "acting_for": s.acting_for,
                "comment": s.comment,
                "final_authority": s.final_authority,
                "allowed_actions": workflow.allowed_actions(s),
            }
            for s in steps
        ],
    }


def _render(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    if not rows:
        return []
    steps = load_steps(conn, [r["id"] for r in rows])
    persons = people(conn)
    return [_item_json(r, steps[r["id"]], persons) for r in rows]


def get_item(conn: sqlite3.Connection, item_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM approvals WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise Problem(404, "not_found", f"no approval item {item_id}")
    return _render(conn, [row])[0]


def list_items(
    conn: sqlite3.Connection,
    *,
    today: date,
    limit: int,
    cursor: str | None = None,
    approver: str | None = None,
    status: str | None = None,
    updated_since: str | None = None,
) -> dict[str, Any]:
    where: list[str] = ["1 = 1"]
    args: list[Any] = []
    if status:
        where.append("a.status = ?")
        args.append(status)
    if updated_since:
        where.append("a.updated_at >= ?")
        args.append(updated_since)
    if approver:
        where.append(
            "a.status IN ('pending', 'on_hold') AND EXISTS (SELECT 1 FROM approval_steps s"
            " WHERE s.item_id = a.id AND s.state IN ('current', 'on_hold') AND (s.approver_no = ?"
            " OR s.approver_no IN (SELECT employee_no FROM employees"
            " WHERE acting_no = ? AND absence_from <= ? AND absence_to >= ?)))"
        )
        args.extend([approver, approver, today.isoformat(), today.isoformat()])
    if cursor:
        where.append("(a.created_at, a.id) < (?, ?)")
        args.extend(decode_cursor(cursor, 2))
    sql = f"SELECT a.* FROM approvals a WHERE {' AND '.join(where)} ORDER BY a.created_at DESC, a.id DESC"  # noqa: S608
    rows = conn.execute(sql + " LIMIT ?", [*args, limit + 1]).fetchall()
    items = _render(conn, rows[:limit])
    last = rows[limit - 1] if len(rows) > limit else None
    return {"items": items, "next_cursor": encode_cursor(last["created_at"], last["id"]) if last else None}


def decide(
    conn: sqlite3.Connection,
    item_id: str,
    *,
    key: str,
    fingerprint: str,
    request: dict[str, Any],
    now: str,
    today: date,
) -> tuple[dict[str, Any], bool]:
    """Apply a decision in the caller's transaction; returns (item JSON, replayed?)."""
    stored = conn.execute(
        "SELECT item_id, fingerprint, body FROM idempotency WHERE key = ?", (key,)
    ).fetchone()
    if stored is not None:
        if stored["item_id"] != item_id or stored["fingerprint"] != fingerprint:
            raise Problem(422, "idempotency_key_reused", "this Idempotency-Key was used for another request")
        return json.loads(stored["body"]), True
    row = conn.execute("SELECT * FROM approvals WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise Problem(404, "not_found", f"no approval item {item_id}")
    steps = load_steps(conn, [item_id])[item_id]
    acting = acting_approvers(conn, today)
    try:
        status = workflow.decide(
            row["status"],
            row["version"],
            steps,
            action=request["action"],
            actor=request["actor_employee_no"],
            comment=request.get("comment") or "",
            expected_version=request["expected_version"],
            now=now,
            acting_of=acting.get,
            on_behalf_of=request.get("on_behalf_of"),
        )
    except Problem as problem:
        if problem.code == "already_decided":
            problem.extra["item"] = get_item(conn, item_id)
        elif problem.code == "item_changed":
            problem.extra["current_version"] = row["version"]
        raise
    save_steps(conn, item_id, steps)
    conn.execute(
        "UPDATE approvals SET status = ?, version = version + 1, updated_at = ? WHERE id = ?",
        (status, now, item_id),
    )
    body = get_item(conn, item_id)
    conn.execute(
        "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
        (key, item_id, fingerprint, json.dumps(body, ensure_ascii=False), now),
    )
    return body, False


def line_roles(conn: sqlite3.Connection, requester_no: str) -> workflow.LineRoles:
    """Resolve who reviews, approves, agrees, is copied and receives, from the org chart."""
    row = conn.execute(
        "SELECT department_code FROM employees WHERE employee_no = ?", (requester_no,)
    ).fetchone()
    if row is None:
        raise Problem(422, "invalid_request", f"no employee {requester_no}")
    heads: list[tuple[int, str]] = []
    code: str | None = row["department_code"]
    while code is not None:
        dept = conn.execute(
            "SELECT parent_code, head_no, depth FROM departments WHERE code = ?", (code,)
        ).fetchone()
        if dept["head_no"]:
            heads.append((LEVEL_BY_DEPTH[dept["depth"]], dept["head_no"]))
        code = dept["parent_code"]

    def head(dept_code: str) -> str | None:
        r = conn.execute("SELECT head_no FROM departments WHERE code = ?", (dept_code,)).fetchone()
        return r["head_no"] if r else None

    def senior_member(dept_code: str) -> str | None:
        r = conn.execute(
            "SELECT employee_no FROM employees WHERE department_code = ? AND position = '' "
            "ORDER BY hired_on, employee_no LIMIT 1",
            (dept_code,),
        ).fetchone()
        return r["employee_no"] if r else None

    return workflow.LineRoles(
        heads=tuple(heads),
        purchase_reviewer=senior_member(PURCHASING),
        finance_head=head(FINANCE),
        finance_cc=senior_member(FINANCE),
        hr_head=head(HR),
        purchase_head=head(PURCHASING),
    )


def insert_item(
    conn: sqlite3.Connection,
    new: NewItem,
    steps: list[workflow.Step],
    *,
    status: str,
    version: int,
    created: str,
    updated: str,
) -> str:
    """Store a new item with its line; returns its id (PO-2026-0001 style)."""
    prefix = f"{PREFIX.get(new.type, 'AP')}-{created[:4]}-"
    count = conn.execute("SELECT COUNT(*) FROM approvals WHERE id LIKE ?", (prefix + "%",)).fetchone()[0]
    item_id = f"{prefix}{count + 1:04d}"
    conn.execute(
        "INSERT INTO approvals (id, type, title, requester_no, amount, currency, lines, due_date, "
        "attachments, status, version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            item_id,
            new.type,
            new.title,
            new.requester_no,
            None if new.amount is None else str(new.amount),
            new.currency,
            json.dumps(new.lines, ensure_ascii=False),
            None if new.due_date is None else new.due_date.isoformat(),
            json.dumps(new.attachments, ensure_ascii=False),
            status,
            version,
            created,
            updated,
        ),
    )
    save_steps(conn, item_id, steps)
    return item_id


def create(conn: sqlite3.Connection, new: NewItem, *, now: str) -> dict[str, Any]:
    """Submit a new item: build its line from the delegation table and open it."""
    steps = workflow.build_line(new.type, new.requester_no, new.amount, line_roles(conn, new.requester_no))
    status = workflow.submit(steps, now)
    item_id = insert_item(conn, new, steps, status=status, version=1, created=now, updated=now)
    return get_item(conn, item_id)
