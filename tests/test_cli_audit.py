"""`chatops audit export` against a real database of each dialect: CSV and JSON lines, date bounds in
TIMEZONE, the item filter, paging, standard output, and one clear line for a bad date."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli_audit import COLUMNS, add_audit_commands, parse_bound, resolve_bound
from bot.logging import configure_logging
from commands.ports.audit import AuditEvent, AuditRecord
from store.audit import SqlAuditLog
from store.db import Database

# Midnight of 2026-11-01 in Asia/Seoul is 2026-10-31T15:00Z.
NOV_1_KST = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


@dataclass
class Result:
    code: int
    out: str
    err: str


async def cli(env_file: Path, *argv: str) -> Result:
    """Run `chatops audit …` through a parser of its own, in a thread (the command runs its own event
    loop), capturing its output. The command points logging at the redirected stderr: put it back."""
    parser = argparse.ArgumentParser(prog="chatops")
    parser.add_argument("--env-file", default=".env")
    add_audit_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--env-file", str(env_file), *argv])
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code: int = args.func(args)
            return code

    try:
        code = await asyncio.to_thread(run)
    finally:
        configure_logging(level="WARNING")
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def env_file(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "TIMEZONE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "audit.env"
    path.write_text(f"DATABASE_URL={database_url}\nTIMEZONE=Asia/Seoul\nLOG_LEVEL=WARNING\n")
    return path


@pytest.fixture
async def seeded(database: Database) -> list[AuditRecord]:
    """Seven records: one a second before 1 Nov (KST), five on 1 Nov (two at the same instant), one on
    2 Nov; items A and B."""
    log = SqlAuditLog(database)
    moments = [-1, 0, 60, 60, 3600, 7200, 86400 + 60]
    for n, seconds in enumerate(moments):
        await log.append(
            AuditRecord(
                event=AuditEvent.DECIDED if n % 2 else AuditEvent.CARD_SENT,
                item_id="A" if n % 3 else "B",
                at=NOV_1_KST + timedelta(seconds=seconds),
                actor_employee_no=f"E{n}",
                platform="slack",
                action="approve" if n % 2 else "",
                outcome=f"o{n}",
                detail={"n": n, "note": '승인, "따옴표"\n줄바꿈'},
            )
        )
    return await log.list()


async def test_csv_has_a_header_and_every_record_from_since(
    seeded: list[AuditRecord], env_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.csv"
    result = await cli(
        env_file, "audit", "export", "--since", "2026-11-01", "--format", "csv", "--out", str(out)
    )
    assert (result.code, result.out, result.err) == (0, "", "exported 6 audit records\n")
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(COLUMNS)
    assert [r[COLUMNS.index("outcome")] for r in rows[1:]] == ["o1", "o2", "o3", "o4", "o5", "o6"]
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["at"] == "2026-11-01T00:00:00+09:00"  # in TIMEZONE, with its offset
    assert (first["event"], first["item_id"], first["actor_employee_no"], first["platform"]) == (
        "decided",
        "A",
        "E1",
        "slack",
    )
    assert json.loads(first["detail"]) == {"n": 1, "note": '승인, "따옴표"\n줄바꿈'}
    assert int(first["id"]) == seeded[1].id
    assert not (tmp_path / "audit.csv.part").exists()


async def test_jsonl_pages_through_until_and_item_filters(
    seeded: list[AuditRecord], env_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    argv = ["audit", "export", "--since", "2026-11-01", "--until", "2026-11-01", "--format", "jsonl"]
    assert (await cli(env_file, *argv, "--page-size", "2", "--out", str(out))).code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["outcome"] for o in objects] == ["o1", "o2", "o3", "o4", "o5"]  # the whole of 1 Nov, not 2 Nov
    assert list(objects[0]) == list(COLUMNS)
    assert objects[0]["detail"] == {"n": 1, "note": '승인, "따옴표"\n줄바꿈'}  # an object, not a string

    assert (await cli(env_file, *argv, "--item", "B", "--out", str(out))).code == 0
    assert [json.loads(line)["outcome"] for line in out.read_text().splitlines()] == ["o3"]


async def test_iso_datetimes_are_exact_bounds(
    seeded: list[AuditRecord], env_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.jsonl"
    # 00:01 KST as a naive time (TIMEZONE) up to 01:00 KST given in UTC: o2, o3 (00:01) but not o4 (01:00).
    argv = ["--since", "2026-11-01T00:01", "--until", "2026-10-31T16:00:00Z", "--format", "jsonl"]
    assert (await cli(env_file, "audit", "export", *argv, "--out", str(out))).code == 0
    assert [json.loads(line)["outcome"] for line in out.read_text().splitlines()] == ["o2", "o3"]


async def test_standard_output_is_the_default(seeded: list[AuditRecord], env_file: Path) -> None:
    result = await cli(env_file, "audit", "export", "--since", "2026-11-02", "--format", "csv")
    assert (result.code, result.err) == (0, "exported 1 audit records\n")
    rows = list(csv.reader(io.StringIO(result.out)))
    assert [r[COLUMNS.index("outcome")] for r in rows] == ["outcome", "o6"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2026-13-01"], "--since '2026-13-01' is not a date"),
        (["--since", "2026-11-01", "--until", "yesterday"], "--until 'yesterday' is not a date"),
        (["--since", "2026-11-02", "--until", "2026-11-01"], "--until must be later than --since"),
    ],
)
async def test_bad_bounds_print_one_line_and_exit_2(
    env_file: Path, tmp_path: Path, argv: list[str], message: str
) -> None:
    out = tmp_path / "never.csv"
    result = await cli(env_file, "audit", "export", *argv, "--format", "csv", "--out", str(out))
    assert (result.code, result.out) == (2, "")
    assert result.err.count("\n") == 1 and result.err.startswith(f"chatops: {message}")
    assert not out.exists()


def test_bounds_parse_dates_and_datetimes() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    assert resolve_bound(parse_bound("2026-11-01"), seoul) == NOV_1_KST
    assert resolve_bound(parse_bound("2026-11-01"), seoul, end_of_day=True) == NOV_1_KST + timedelta(days=1)
    assert resolve_bound(parse_bound("2026-11-01T09:30"), seoul) == datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    at = resolve_bound(parse_bound("2026-11-01T09:30+00:00"), seoul, end_of_day=True)
    assert at == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)  # a datetime is exact, even as an end
    with pytest.raises(ValueError):
        parse_bound("01/11/2026")
