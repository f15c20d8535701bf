"""The demo groupware's seed: the data a demo needs, reproducibly, in its own SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from adapters.groupware.demo import DEFAULT_MEMBERS, reseed, seed

SEOUL = ZoneInfo("Asia/Seoul")
TODAY = date(2026, 11, 20)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def posts(db: Path) -> list[tuple[Any, ...]]:
    return rows(
        db,
        "SELECT p.id, pr.description, p.subject, p.due_ts, w.class FROM posts p"
        " JOIN workflows w ON w.id = p.workflow_id JOIN projects pr ON pr.id = p.project_id ORDER BY p.id",
    )


def test_seed_has_what_a_demo_needs(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    assert seed(str(db), today=TODAY) is True
    found = posts(db)
    assert 55 <= len(found) <= 65
    assert {p[1] for p in found} == {"2026 하반기 신제품 출시", "ERP 고도화", "연말 결산"}
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in p[2]) for p in found)  # Korean subjects
    days = [
        (datetime.fromtimestamp(p[3], SEOUL).date() - TODAY).days if p[3] is not None else None for p in found
    ]
    dated = [d for d in days if d is not None]
    assert min(dated) >= -10 and max(dated) <= 20
    open_days = [d for d, p in zip(days, found, strict=True) if d is not None and p[4] != "closed"]
    assert open_days.count(1) >= 3  # due tomorrow
    assert sum(1 for d in open_days if d < 0) >= 3  # overdue
    assert sum(1 for p in found if p[4] == "closed") >= 6  # done
    assert None in days  # some without a due date
    emails = {r[0] for r in rows(db, "SELECT m.email FROM post_to t JOIN members m ON m.id = t.member_id")}
    assert emails <= {m[2] for m in DEFAULT_MEMBERS} and len(emails) >= 5


def test_seed_is_reproducible_and_takes_the_erp_members(tmp_path: Path) -> None:
    members = [
        ("E1001", "한지민", "jimin.han@hanbit.example"),
        ("E1002", "오세훈", "sehoon.oh@hanbit.example"),
    ]
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    seed(str(first), today=TODAY, members=members, rng_seed=7)
    seed(str(second), today=TODAY, members=members, rng_seed=7)
    assert posts(first) == posts(second)
    assert {r[0] for r in rows(first, "SELECT member_id FROM post_to")} == {"E1001", "E1002"}


def test_reset_false_keeps_existing_data_and_reseed_moves_dates(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    seed(str(db), today=TODAY, members=DEFAULT_MEMBERS[:3], rng_seed=3)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE posts SET subject = '손댄 업무' WHERE number = 1")
    assert seed(str(db), today=TODAY + timedelta(days=5), reset=False) is False
    assert ("손댄 업무",) in rows(db, "SELECT subject FROM posts")

    before = {p[0]: p[3] for p in posts(db)}
    assert reseed(str(db), today=TODAY + timedelta(days=2)) is True
    after = {p[0]: p[3] for p in posts(db)}
    assert ("손댄 업무",) not in rows(db, "SELECT subject FROM posts")
    assert after.keys() == before.keys()  # same members and rng seed: the same posts...
    assert all(after[k] - before[k] == 2 * 86400 for k in after if after[k] is not None)  # ...two days later
    assert {r[0] for r in rows(db, "SELECT member_id FROM post_to")} <= {m[0] for m in DEFAULT_MEMBERS[:3]}
