"""Org-chart queries of the demo ERP, answering in the contract's JSON shapes."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from adapters.erp.demo.common import Problem, decode_cursor, encode_cursor

_EMPLOYEE = """SELECT e.*, d.name AS department_name FROM employees e
JOIN departments d ON d.code = e.department_code"""


def employee_json(row: sqlite3.Row) -> dict[str, Any]:
    absence = None
    if row["absence_from"]:
        absence = {
            "from": row["absence_from"],
            "to": row["absence_to"],
            "acting_employee_no": row["acting_no"],
        }
    return {
        "employee_no": row["employee_no"],
        "name": row["name"],
        "english_name": row["english_name"],
        "email": row["email"],
        "department": {"code": row["department_code"], "name": row["department_name"]},
        "title": row["title"],
        "position": row["position"],
        "manager_employee_no": row["manager_no"],
        "roles": json.loads(row["roles"]),
        "absence": absence,
    }


def list_employees(
    conn: sqlite3.Connection,
    *,
    limit: int,
    cursor: str | None,
    email: str | None = None,
    employee_no: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    where, args = ["1 = 1"], []
    for column, value in (
        ("e.email", email),
        ("e.employee_no", employee_no),
        ("e.department_code", department),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if cursor:
        where.append("e.employee_no > ?")
        args.extend(decode_cursor(cursor, 1))
    sql = f"{_EMPLOYEE} WHERE {' AND '.join(where)} ORDER BY e.employee_no LIMIT ?"
    rows = conn.execute(sql, [*args, limit + 1]).fetchall()
    items = [employee_json(r) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1]["employee_no"]) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def get_employee(conn: sqlite3.Connection, employee_no: str) -> dict[str, Any]:
    row = conn.execute(f"{_EMPLOYEE} WHERE e.employee_no = ?", (employee_no,)).fetchone()
    if row is None:
        raise Problem(404, "not_found", f"no employee {employee_no}")
    return employee_json(row)


def set_absence(
    conn: sqlite3.Connection, employee_no: str, absence: tuple[date, date, str] | None
) -> dict[str, Any]:
    get_employee(conn, employee_no)
    if absence is None:
        values: tuple[str | None, ...] = (None, None, None)
    else:
        start, end, acting = absence
        if end < start:
            raise Problem(422, "invalid_request", "'to' is before 'from'")
        if acting == employee_no:
            raise Problem(422, "invalid_request", "an employee cannot act for themselves")
        if conn.execute("SELECT 1 FROM employees WHERE employee_no = ?", (acting,)).fetchone() is None:
            raise Problem(422, "invalid_request", f"no employee {acting} to act as approver")
        values = (start.isoformat(), end.isoformat(), acting)
    conn.execute(
        "UPDATE employees SET absence_from = ?, absence_to = ?, acting_no = ? WHERE employee_no = ?",
        (*values, employee_no),
    )
    return get_employee(conn, employee_no)


def acting_approvers(conn: sqlite3.Connection, day: date) -> dict[str, str]:
    """Absent employee -> acting approver, for absences covering `day`."""
    rows = conn.execute(
        "SELECT employee_no, acting_no FROM employees WHERE absence_from <= ? AND absence_to >= ?",
        (day.isoformat(), day.isoformat()),
    )
    return {r["employee_no"]: r["acting_no"] for r in rows}


def people(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """employee_no -> the PersonRef JSON of every employee."""
    rows = conn.execute(
        "SELECT e.employee_no, e.name, e.department_code, d.name AS dname FROM employees e "
        "JOIN departments d ON d.code = e.department_code"
    )
    return {
        r["employee_no"]: {
            "employee_no": r["employee_no"],
            "name": r["name"],
            "department": {"code": r["department_code"], "name": r["dname"]},
        }
        for r in rows
    }


def departments(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT code, name, parent_code, head_no FROM departments ORDER BY sort")
    return {
        "items": [
            {
                "code": r["code"],
                "name": r["name"],
                "parent_code": r["parent_code"],
                "head_employee_no": r["head_no"],
            }
            for r in rows
        ]
    }


def subtree(conn: sqlite3.Connection, code: str) -> list[str]:
    """`code` and every department below it."""
    rows = conn.execute(
        "WITH RECURSIVE t(code) AS (SELECT code FROM departments WHERE code = ? "
        "UNION ALL SELECT d.code FROM departments d JOIN t ON d.parent_code = t.code) SELECT code FROM t",
        (code,),
    ).fetchall()
    return [r["code"] for r in rows]
