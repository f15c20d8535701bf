"""`chatops jobs`: the stored job definitions with their next run time and last runs, without starting a
scheduler; `chatops jobs runs NAME`: one job's run history."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from commands.ports.schedule import JobDefinition, JobRun

if TYPE_CHECKING:
    from bot.settings import Settings


def add_jobs_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `jobs` (and `jobs runs NAME`) to the `chatops` command line."""
    jobs = subparsers.add_parser("jobs", help="list scheduled jobs, their next run and last runs")
    jobs.add_argument("--last", type=int, default=3, metavar="N", help="runs shown per job (default 3)")
    jobs.set_defaults(func=_list_jobs)
    sub = jobs.add_subparsers(dest="jobs_command")
    runs = sub.add_parser("runs", help="the last runs of one job")
    runs.add_argument("name")
    runs.add_argument("--limit", type=int, default=20, metavar="N", help="runs shown (default 20)")
    runs.set_defaults(func=_list_runs)


def _list_jobs(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(asyncio.run(_jobs_report(settings, max(args.last, 0))), end="")
    return 0


def _list_runs(args: argparse.Namespace) -> int:
    settings = _settings(args)
    report = asyncio.run(_runs_report(settings, args.name, max(args.limit, 1)))
    if report is None:
        print(f"chatops: no job named {args.name!r}", file=sys.stderr)
        return 1
    print(report, end="")
    return 0


async def _jobs_report(settings: Settings, last: int) -> str:
    from store.db import Database
    from store.jobs import SqlJobRepository, SqlRunRepository

    db = Database.from_url(settings.core.database_url)
    try:
        definitions = await SqlJobRepository(db).list()
        runs = SqlRunRepository(db)
        now = datetime.now(ZoneInfo(settings.core.timezone))
        rows = []
        for definition in definitions:
            upcoming = _next_run(definition, now) if definition.enabled else None
            rows.append((definition, upcoming, await runs.last_runs(definition.name, last) if last else []))
    finally:
        await db.dispose()
    return render_jobs(rows, ZoneInfo(settings.core.timezone))


async def _runs_report(settings: Settings, name: str, limit: int) -> str | None:
    from store.db import Database
    from store.jobs import SqlJobRepository, SqlRunRepository

    db = Database.from_url(settings.core.database_url)
    try:
        runs = await SqlRunRepository(db).last_runs(name, limit)
        if not runs and await SqlJobRepository(db).get(name) is None:
            return None
    finally:
        await db.dispose()
    return render_runs(runs, ZoneInfo(settings.core.timezone))


def render_jobs(
    rows: Sequence[tuple[JobDefinition, datetime | str | None, Sequence[JobRun]]], tz: tzinfo
) -> str:
    """One block per job: name, kind, trigger, next run (or why none), then its last runs."""
    if not rows:
        return "no scheduled jobs\n"
    lines = []
    for definition, upcoming, runs in rows:
        flags = [] if definition.enabled else ["disabled"]
        if definition.business_days_only:
            flags.append("business days only")
        spec = " ".join(f"{k}={v}" for k, v in definition.spec.items())
        lines.append(
            f"{definition.name}  [{definition.kind}]  {definition.trigger} {spec} ({definition.timezone})"
            + (f"  ({', '.join(flags)})" if flags else "")
        )
        when = upcoming if isinstance(upcoming, str) else _time(upcoming, tz) if upcoming else "-"
        lines.append(f"  next run: {when}")
        lines.extend(f"  {_run_line(run, tz)}" for run in runs)
    return "\n".join(lines) + "\n"


def render_runs(runs: Sequence[JobRun], tz: tzinfo) -> str:
    """One line per run, newest first."""
    if not runs:
        return "no runs yet\n"
    return "".join(f"{_run_line(run, tz)}\n" for run in runs)


def _run_line(run: JobRun, tz: tzinfo) -> str:
    took = f" in {(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else ""
    detail = f": {run.error.splitlines()[0]}" if run.error.strip() else ""
    return f"{_time(run.scheduled_for, tz)}  {run.status:<7}{took}  ({run.replica_id}){detail}"


def _time(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _next_run(definition: JobDefinition, now: datetime) -> datetime | str | None:
    from commands.errors import ConfigurationError
    from jobs.triggers import next_fire_time

    try:
        return next_fire_time(definition, now)
    except ConfigurationError as exc:
        return f"invalid trigger ({exc})"


def _settings(args: argparse.Namespace) -> Settings:
    from bot.logging import configure_logging
    from bot.settings import load_settings

    settings = load_settings(args.env_file)
    configure_logging(fmt=settings.core.log_format, level=settings.core.log_level, secrets=settings.secrets())
    return settings
