"""The demo ERP and groupware on their own (`chatops demo serve`) for a bot that reaches them by URL, and
the demo groupware's start-up that asks the ERP for its members only when it seeds."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import stat
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from dotenv import dotenv_values

from adapters.groupware.demo.seed import is_seeded
from adapters.groupware.demo.seed import seed as seed_groupware
from bot.backends import start_backends
from bot.cli import build_parser
from bot.demo_backends import Closer, start_demo_groupware
from bot.demo_serve import serve_demo, write_env_file
from bot.settings import Settings, load_settings
from commands.ports.clock import SystemClock
from commands.ports.erp import Employee, ErpPort

SEOUL = ZoneInfo("Asia/Seoul")


class RecordingErp:
    """Only what the demo groupware asks: the employees, counted."""

    def __init__(self) -> None:
        self.calls = 0
        self.employees = [
            Employee(
                "2001",
                "김하나",
                "Hana Kim",
                "hana.kim@hanbit.example",
                "SAL-1",
                "영업1팀",
                "대리",
                "",
                None,
                (),
            ),
            Employee(
                "2002",
                "박두리",
                "Duri Park",
                "duri.park@hanbit.example",
                "SAL-1",
                "영업1팀",
                "사원",
                "",
                None,
                (),
            ),
            Employee("2003", "이메일없음", "No Mail", "", "SAL-1", "영업1팀", "사원", "", None, ()),
        ]

    async def list_employees(self, *, department: str | None = None) -> list[Employee]:
        self.calls += 1
        return list(self.employees)


def _settings(tmp_path: Path, **groups: Any) -> Settings:
    return load_settings(
        None,
        core={"database_url": f"sqlite:///{tmp_path}/bot.db", "port": 39999},
        erp={"demo_db": str(tmp_path / "erp.db"), "demo_port": 0, **groups.pop("erp", {})},
        dooray={"demo_db": str(tmp_path / "gw.db"), "demo_port": 0, **groups.pop("dooray", {})},
        slack={"bot_token": "", "signing_secret": "", "app_token": ""},
        **groups,
    )


def _rows(path: str, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


async def _close(closers: list[Closer]) -> None:
    for close in reversed(closers):
        await close()


async def test_the_demo_groupware_asks_the_erp_for_members_only_when_it_seeds(tmp_path: Path) -> None:
    settings, recorder = _settings(tmp_path), RecordingErp()
    erp = cast(ErpPort, recorder)
    gw_db = settings.dooray.demo_db
    closers: list[Closer] = []
    first = await start_demo_groupware(
        settings, SystemClock(), erp, token="t0k3n", webhook_url="", closers=closers
    )
    await _close(closers)
    assert (recorder.calls, first.seeded) == (1, True)
    members = _rows(gw_db, "SELECT id, name, email FROM members ORDER BY id")
    assert members == [
        ("m2001", "김하나", "hana.kim@hanbit.example"),
        ("m2002", "박두리", "duri.park@hanbit.example"),
    ]

    # the same data as seeding directly with those members
    direct = str(tmp_path / "direct.db")
    today = datetime.now(SEOUL).date()
    seed_groupware(direct, today=today, members=[(m[0], m[1], m[2]) for m in members])
    posts = (
        "SELECT p.id, p.project_id, p.subject, p.due_ts, p.workflow_id, t.member_id"
        " FROM posts p JOIN post_to t ON t.post_id = p.id ORDER BY p.id, t.member_id"
    )
    assert _rows(gw_db, posts) == _rows(direct, posts)

    closers = []
    second = await start_demo_groupware(
        settings, SystemClock(), erp, token="t0k3n", webhook_url="", closers=closers
    )
    await _close(closers)
    assert (recorder.calls, second.seeded) == (1, False)  # seeded already: not asked again, nothing rewritten
    assert second.project_ids == first.project_ids
    assert _rows(gw_db, posts) == _rows(direct, posts)


def test_is_seeded_creates_the_tables_like_seed_does(tmp_path: Path) -> None:
    path = str(tmp_path / "gw.db")
    assert is_seeded(path) is False
    assert _rows(path, "SELECT count(*) FROM meta") == [(0,)]  # schema there, nothing seeded
    seed_groupware(path, today=datetime.now(SEOUL).date(), reset=False)
    assert is_seeded(path) is True


def test_the_env_file_is_private_and_read_back_literally(tmp_path: Path) -> None:
    path = tmp_path / "var" / "demo.env"
    values = {"A": "plain", "B": "it's $HOME \\ and # not a comment", "C": ""}
    write_env_file(path, values)
    write_env_file(path, values)  # replaced, not refused
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dotenv_values(path) == values
    with pytest.raises(ValueError, match="lines"):
        write_env_file(path, {"A": "two\nlines"})


def test_the_cli_has_demo_serve() -> None:
    args = build_parser().parse_args(["demo", "serve", "--env-out", "x.env"])
    assert args.func.__name__ == "_serve" and args.env_out == Path("x.env") and args.bot_url == ""


async def test_a_bot_reaches_the_separately_served_demo_backends_by_url(
    tmp_path: Path, demo_erp_template: Path
) -> None:
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    shutil.copyfile(demo_erp_template, demo_dir / "erp.db")
    env_out = tmp_path / "demo-backends.env"
    stop = asyncio.Event()
    serving = asyncio.create_task(
        serve_demo(
            _settings(demo_dir, erp={"api_key": "configured-key"}),
            bot_url="http://127.0.0.1:39999/",
            env_out=env_out,
            stop=stop,
        )
    )
    try:
        async with asyncio.timeout(60):
            while not env_out.exists():
                assert not serving.done(), serving
                await asyncio.sleep(0.05)
        values = {k: v or "" for k, v in dotenv_values(env_out).items()}
        assert values["ERP_API_KEY"] == "configured-key"  # a configured key is kept
        assert len(values["DOORAY_TOKEN"]) > 20 and len(values["ERP_WEBHOOK_SECRET"]) > 20  # generated

        bot_settings = load_settings(
            env_out,
            core={"database_url": f"sqlite:///{tmp_path}/bot.db"},
            erp={"demo_db": str(tmp_path / "unused-erp.db")},
            dooray={"demo_db": str(tmp_path / "unused-gw.db")},
        )
        assert not bot_settings.erp.embedded and bot_settings.dooray.url == values["DOORAY_URL"]
        assert (
            bot_settings.nudges.dooray_webhook_token.get_secret_value()
            == values["NUDGE_DOORAY_WEBHOOK_TOKEN"]
        )
        backends = await start_backends(bot_settings, SystemClock())
        try:
            assert backends.demo_erp is None and backends.demo_groupware_url == ""
            employees = await backends.erp.list_employees()
            assert len(employees) > 20
            (source,) = backends.task_sources
            tasks = [task async for task in source.open_tasks()]
            assert tasks and {t.project_name for t in tasks} == {
                "2026-하반기-신제품-출시",
                "ERP-고도화",
                "연말-결산",
            }
        finally:
            await backends.aclose()
        assert not (tmp_path / "unused-erp.db").exists() and not (tmp_path / "unused-gw.db").exists()
        # the groupware's members are the ERP's employees with an email
        emails = {e.email for e in employees if e.email}
        assert {row[0] for row in _rows(str(demo_dir / "gw.db"), "SELECT email FROM members")} == emails
    finally:
        stop.set()
        written = await asyncio.wait_for(serving, 30)
    assert written == values
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(values["ERP_URL"] + "/employees")
