"""Seeding the demo ERP's database with 한빛테크: org chart, one absence with an acting approver
(대결) covering `today`, ~40 approval items and 18 months of daily KPI facts."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path

from adapters.erp.demo import kpi
from adapters.erp.demo.common import KST, stamp
from adapters.erp.demo.db import TABLES, create_schema, in_transaction
from adapters.erp.demo.org import COMPANY, Org, build_org
from adapters.erp.demo.seed_approvals import seed_approvals

ABSENT_TEAM = "SAL-1"  # its head is away; the team's most senior member decides for them


def _write_org(conn: sqlite3.Connection, org: Org) -> None:
    conn.executemany(
        "INSERT INTO departments VALUES (?,?,?,?,?,?)",
        [
            (code, name, parent, head, depth, i)
            for i, (code, name, parent, head, depth) in enumerate(org.departments)
        ],
    )
    conn.executemany(
        "INSERT INTO employees (employee_no, name, english_name, email, department_code, title, position, "
        "manager_no, roles, hired_on) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (p.employee_no, p.name, p.english_name, p.email, p.department, p.title, p.position, p.manager_no,
             json.dumps(p.roles), p.hired_on.isoformat())
            for p in org.people
        ],
    )  # fmt: skip


def _absence(conn: sqlite3.Connection, org: Org, today: date) -> dict[str, str]:
    head = org.head_of(ABSENT_TEAM)
    acting = next(p for p in org.members(ABSENT_TEAM) if not p.position).employee_no
    start, end = today - timedelta(days=1), today + timedelta(days=4)
    conn.execute(
        "UPDATE employees SET absence_from = ?, absence_to = ?, acting_no = ? WHERE employee_no = ?",
        (start.isoformat(), end.isoformat(), acting, head),
    )
    return {head: acting} if head else {}


def seed(db_path: str | Path, *, today: date, rng_seed: int = 42, reset: bool = True) -> bool:
    """Fill the database at `db_path` (created if missing) deterministically from `rng_seed`.
    An already seeded database is left alone unless `reset`. Returns True if it seeded."""
    path = str(db_path)
    create_schema(path)

    def work(conn: sqlite3.Connection) -> bool:
        if not reset and conn.execute("SELECT 1 FROM meta WHERE key = 'seeded_at'").fetchone():
            return False
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        rng = random.Random(rng_seed)
        org = build_org(today, rng)
        _write_org(conn, org)
        acting = _absence(conn, org, today)
        items = seed_approvals(conn, org, today, rng, acting)
        kpi.store(conn, kpi.generate(org, today, rng))
        as_of = datetime.combine(today, time(6, 0), KST)
        meta = {
            "company": COMPANY,
            "today": today.isoformat(),
            "rng_seed": str(rng_seed),
            "kpi_as_of": stamp(as_of),
            "seeded_at": stamp(datetime.now(KST)),
            "items": str(items),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        return True

    return in_transaction(path, work)


def reseed(db_path: str | Path, *, today: date | None = None, rng_seed: int = 42) -> None:
    """Wipe and reseed (the `chatops demo reseed` command); `today` defaults to today in Korea."""
    seed(db_path, today=today or datetime.now(KST).date(), rng_seed=rng_seed, reset=True)
