"""`chatops audit export`: the approvals audit log as CSV or JSON lines, oldest first, read page by page."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from commands.ports.audit import AuditRecord

if TYPE_CHECKING:
    from bot.settings import Settings
    from store.audit import SqlAuditLog

# The export's columns, in this order in CSV and in every JSON object.
COLUMNS = (
    "id",
    "at",
    "event",
    "item_id",
    "actor_employee_no",
    "on_behalf_of",
    "action",
    "outcome",
    "platform",
    "platform_user_id",
    "tenant_id",
    "detail",
)
_BOUND_HELP = "a date (midnight in TIMEZONE) or an ISO datetime (TIMEZONE unless it has an offset)"


def add_audit_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `audit export` to the `chatops` command line."""
    audit = subparsers.add_parser("audit", help="the approvals audit log")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    export = sub.add_parser("export", help="write audit records, oldest first, as CSV or JSON lines")
    export.add_argument(
        "--since", required=True, metavar="WHEN", help=f"first moment included: {_BOUND_HELP}"
    )
    export.add_argument(
        "--until",
        metavar="WHEN",
        help="end, excluded: an ISO datetime (TIMEZONE unless it has an offset), or a date, which includes"
        " that whole day",
    )
    export.add_argument("--item", metavar="ID", help="only the records of this approval item")
    export.add_argument(
        "--format", required=True, choices=("csv", "jsonl"), help="csv (with header) or jsonl"
    )
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument(
        "--page-size", type=_positive_int, default=500, metavar="N", help="rows read per query (default 500)"
    )
    export.set_defaults(func=_export)


def parse_bound(text: str) -> date | datetime:
    """A date (2026-11-01) or an ISO datetime (2026-11-01T09:30, …+09:00, …Z); ValueError otherwise."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text)


def resolve_bound(value: date | datetime, tz: tzinfo, *, end_of_day: bool = False) -> datetime:
    """The UTC instant of a parsed bound: naive times are in `tz`; a date is its midnight in `tz` (the
    next midnight with `end_of_day`, so that an end date includes its day)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    else:
        moment = datetime.combine(value + timedelta(days=1 if end_of_day else 0), time(), tzinfo=tz)
    return moment.astimezone(UTC)


async def export_records(
    log: SqlAuditLog,
    out: TextIO,
    fmt: str,
    tz: tzinfo,
    *,
    since: datetime,
    until: datetime | None = None,
    item_id: str | None = None,
    page_size: int = 500,
) -> int:
    """Write the matching records to `out` as `fmt` ("csv" or "jsonl"), times in `tz`; how many."""
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(COLUMNS)
    count = 0
    async for record in log.stream(since=since, until=until, item_id=item_id, page_size=page_size):
        row = _row(record, tz)
        if writer is not None:
            writer.writerow([_csv_cell(row[name]) for name in COLUMNS])
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


class _BadArguments(Exception):
    """Arguments that argparse cannot check alone; one line for the operator."""


def _export(args: argparse.Namespace) -> int:
    try:
        since_value = _parse_flag("--since", args.since)
        until_value = None if args.until is None else _parse_flag("--until", args.until)
        settings = _settings(args)
        tz = ZoneInfo(settings.core.timezone)
        since = resolve_bound(since_value, tz)
        until = None if until_value is None else resolve_bound(until_value, tz, end_of_day=True)
        if until is not None and until <= since:
            raise _BadArguments("--until must be later than --since")
    except _BadArguments as exc:
        print(f"chatops: {exc}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {
        "since": since,
        "until": until,
        "item_id": args.item,
        "page_size": args.page_size,
    }
    if args.out is None:
        count = asyncio.run(_run(settings, sys.stdout, args.format, tz, options))
    else:
        count = _to_file(Path(args.out), settings, args.format, tz, options)
    if count is None:
        return 1
    print(f"exported {count} audit records", file=sys.stderr)
    return 0


def _parse_flag(flag: str, text: str) -> date | datetime:
    try:
        return parse_bound(text)
    except ValueError:
        raise _BadArguments(f"{flag} {text!r} is not a date (2026-11-01) or an ISO datetime") from None


def _to_file(path: Path, settings: Settings, fmt: str, tz: tzinfo, options: dict[str, Any]) -> int | None:
    """Writes next to `path` first and renames on success, so a failed export leaves no half file."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = asyncio.run(_run(settings, out, fmt, tz, options))
        if count is not None:
            os.replace(partial, path)
        return count
    finally:
        partial.unlink(missing_ok=True)


async def _run(settings: Settings, out: TextIO, fmt: str, tz: tzinfo, options: dict[str, Any]) -> int | None:
    from store.audit import SqlAuditLog
    from store.db import Database
    from store.errors import DatabaseUnavailable

    db = Database.from_url(settings.core.database_url)
    try:
        return await export_records(SqlAuditLog(db), out, fmt, tz, **options)
    except DatabaseUnavailable as exc:
        print(f"chatops: {exc}", file=sys.stderr)
        return None
    finally:
        await db.dispose()


def _row(record: AuditRecord, tz: tzinfo) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(record, name) for name in COLUMNS}
    values["at"] = record.at.astimezone(tz).isoformat()
    values["event"] = record.event.value
    return values


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    from bot.logging import configure_logging
    from bot.settings import load_settings

    settings = load_settings(args.env_file)
    configure_logging(fmt=settings.core.log_format, level=settings.core.log_level, secrets=settings.secrets())
    return settings
