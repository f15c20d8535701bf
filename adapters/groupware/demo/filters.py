"""Dooray list filters: the DATE_PATTERN of `createdAt`/`updatedAt`/`dueAt`, and id lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from adapters.groupware.values import parse_datetime

_RELATIVE = re.compile(r"^(prev|next)-(\d{1,4})d$")


def date_range(pattern: str, now: datetime) -> tuple[int, int]:
    """[start, end] in epoch seconds for `today`, `thisweek` (from Monday), `prev-Nd`, `next-Nd` or
    `<ISO>~<ISO>`. Raises ValueError for anything else."""
    pattern = pattern.strip()
    midnight = datetime.combine(now.date(), time(0), now.tzinfo)
    if pattern == "today":
        return _span(midnight, midnight + timedelta(days=1))
    if pattern == "thisweek":
        monday = midnight - timedelta(days=now.weekday())
        return _span(monday, monday + timedelta(days=7))
    if match := _RELATIVE.match(pattern):
        days = timedelta(days=int(match.group(2)))
        return _span(now - days, now) if match.group(1) == "prev" else _span(now, now + days)
    start_text, sep, end_text = pattern.partition("~")
    # a '+' of an offset that arrived unescaped in a query string reads as a space
    start = parse_datetime(start_text.replace(" ", "+"))
    end = parse_datetime(end_text.replace(" ", "+"))
    if not sep or start is None or end is None or end < start:
        raise ValueError(f"bad date pattern {pattern!r}")
    return int(start.timestamp()), int(end.timestamp())


def id_list(value: str | None) -> tuple[str, ...]:
    """'a,b, c' -> ('a', 'b', 'c'); empty parts dropped."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class PostQuery:
    """The filters, order and page of a post list request."""

    to_member_ids: tuple[str, ...] = ()
    from_member_ids: tuple[str, ...] = ()
    workflow_classes: tuple[str, ...] = ()
    workflow_ids: tuple[str, ...] = ()
    post_number: int | None = None
    subject: str = ""
    due: tuple[int, int] | None = None
    created: tuple[int, int] | None = None
    updated: tuple[int, int] | None = None
    order: str = "-createdAt"
    page: int = 0
    size: int = 20


ORDERS = {
    "postDueAt": "p.due_ts IS NULL, p.due_ts ASC, p.number ASC",
    "-postDueAt": "p.due_ts IS NULL, p.due_ts DESC, p.number DESC",
    "postUpdatedAt": "p.updated_ts ASC, p.number ASC",
    "-postUpdatedAt": "p.updated_ts DESC, p.number DESC",
    "createdAt": "p.created_ts ASC, p.number ASC",
    "-createdAt": "p.created_ts DESC, p.number DESC",
}


def _span(start: datetime, end: datetime) -> tuple[int, int]:
    return int(start.timestamp()), int(end.timestamp())
