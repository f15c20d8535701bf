"""`chatops jobs` and `chatops jobs runs NAME` against a real database: definitions with their next
run computed from the trigger (no scheduler running), last runs with status and error."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli_jobs import add_jobs_commands
from bot.logging import configure_logging
from commands.ports.schedule import JobDefinition, RunStatus, TriggerType, run_key
from tests.fixtures.scheduler import SchedulerStore, cron_job, kst


def _parser() -> argparse.ArgumentParser:
    """The same shape as bot/cli.py's parser, with only the jobs commands hooked in."""
    parser = argparse.ArgumentParser(prog="chatops")
    parser.add_argument("--env-file", default=".env")
    add_jobs_commands(parser.add_subparsers(dest="command", required=True))
    return parser


@dataclass
class Result:
    code: int
    out: str
    err: str


async def _run(env_file: Path, *argv: str) -> Result:
    """Run a `chatops jobs …` command line in a thread (it runs its own event loop), capturing its
    output. The CLI configures logging onto the redirected stderr; put it back on pytest's afterwards."""
    args = _parser().parse_args(["--env-file", str(env_file), *argv])
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
async def env_file(tmp_path: Path, scheduler_store: SchedulerStore, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / ".env"
    path.write_text(f"DATABASE_URL={scheduler_store.db.sync_url}\nLOG_LEVEL=WARNING\n")
    jobs, runs = scheduler_store.jobs, scheduler_store.runs
    await jobs.upsert(cron_job(business_days_only=True))
    await jobs.upsert(
        JobDefinition("sweep", "outbox_sweep", TriggerType.INTERVAL, {"seconds": 10}, enabled=False)
    )
    for day in (21, 22):
        await runs.try_start("morning-digest", kst(2026, 9, day, 8, 30), "replica-a")
    scheduler_store.clock.advance(seconds=2.5)
    await runs.finish(run_key("morning-digest", kst(2026, 9, 21, 8, 30)), RunStatus.SUCCESS)
    await runs.finish(
        run_key("morning-digest", kst(2026, 9, 22, 8, 30)),
        RunStatus.ERROR,
        "UpstreamUnavailable: ERP 503\ntrace",
    )
    return path


async def test_jobs_lists_definitions_next_runs_and_last_runs(env_file: Path) -> None:
    result = await _run(env_file, "jobs")
    assert result.code == 0
    out = result.out.splitlines()

    assert out[0].startswith("morning-digest  [digest]  cron hour=8 minute=30 (Asia/Seoul)")
    assert "business days only" in out[0]
    assert out[1].startswith("  next run: ") and out[1].endswith(" 08:30:00 KST")
    assert out[2] == "  2026-09-22 08:30:00 KST  error   in 2.5s  (replica-a): UpstreamUnavailable: ERP 503"
    assert out[3] == "  2026-09-21 08:30:00 KST  success in 2.5s  (replica-a)"
    assert out[4] == "sweep  [outbox_sweep]  interval seconds=10 (Asia/Seoul)  (disabled)"
    assert out[5] == "  next run: -"
    assert len(out) == 6


async def test_jobs_runs_shows_one_jobs_history(env_file: Path) -> None:
    result = await _run(env_file, "jobs", "runs", "morning-digest", "--limit", "1")
    assert (result.code, result.out.splitlines()) == (
        0,
        ["2026-09-22 08:30:00 KST  error   in 2.5s  (replica-a): UpstreamUnavailable: ERP 503"],
    )
    assert await _run(env_file, "jobs", "runs", "sweep") == Result(0, "no runs yet\n", "")
    missing = await _run(env_file, "jobs", "runs", "nope")
    assert missing.code == 1 and "no job named 'nope'" in missing.err
