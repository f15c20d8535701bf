"""Digest schedules as typed: `daily 08:30`, `weekly mon,thu 09:00`, `business-days 08:30`,
`cron "30 8 * * 1-5"` (Korean too: 매일, 매주 월, 영업일/평일), with `tz=Asia/Tokyo`, `always` (send even
without data) and `영업일만`/`business-days-only`; and how a subscription becomes a scheduler job."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.errors import UserInputError
from commands.ports.kpi import DigestSubscription, ScheduleKind, job_name
from commands.ports.schedule import JobDefinition, TriggerType

JOB_KIND = "digest"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KO_DAYS = "월화수목금토일"
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab numbers 0..7

_KINDS = {
    "daily": ScheduleKind.DAILY, "매일": ScheduleKind.DAILY, "everyday": ScheduleKind.DAILY,
    "weekly": ScheduleKind.WEEKLY, "매주": ScheduleKind.WEEKLY,
    "business-days": ScheduleKind.BUSINESS_DAYS, "businessdays": ScheduleKind.BUSINESS_DAYS,
    "business_days": ScheduleKind.BUSINESS_DAYS, "workdays": ScheduleKind.BUSINESS_DAYS,
    "weekdays": ScheduleKind.BUSINESS_DAYS, "영업일": ScheduleKind.BUSINESS_DAYS,
    "평일": ScheduleKind.BUSINESS_DAYS,
    "cron": ScheduleKind.CRON,
}  # fmt: skip
_ALWAYS = {"always", "항상", "no-skip", "send-empty"}
_BUSINESS_ONLY = {"business-days-only", "영업일만", "businessdaysonly"}


@dataclass(frozen=True)
class Schedule:
    kind: ScheduleKind
    at: str = ""
    weekdays: tuple[str, ...] = ()
    cron: str = ""
    timezone: str = "Asia/Seoul"
    business_days_only: bool = False
    skip_if_empty: bool = True


def schedule_start(words: list[str]) -> int:
    """The index of the schedule keyword in `words`; -1 when there is none."""
    return next((i for i, w in enumerate(words) if w.lower() in _KINDS), -1)


def parse_schedule(words: list[str], default_tz: str) -> Schedule:
    """`words` start with the schedule keyword (see schedule_start)."""
    kind = _KINDS[words[0].lower()]
    rest = words[1:]
    options = {w.lower() for w in rest}
    timezone = default_tz
    for word in rest:
        if word.lower().startswith(("tz=", "timezone=")):
            timezone = _timezone(word.split("=", 1)[1])
    rest = [w for w in rest if w.lower() not in _ALWAYS | _BUSINESS_ONLY and "=" not in w]
    business_only = kind is ScheduleKind.BUSINESS_DAYS or bool(options & _BUSINESS_ONLY)
    skip = not options & _ALWAYS
    if kind is ScheduleKind.CRON:
        return Schedule(kind, cron=_cron(rest), timezone=timezone, business_days_only=business_only,
                        skip_if_empty=skip)  # fmt: skip
    at, days = "", []
    pm = False
    for word in rest:
        lowered = word.lower()
        if lowered in ("오후", "pm"):
            pm = True
        elif lowered in ("오전", "am"):
            continue
        elif kind is ScheduleKind.WEEKLY and _weekdays(lowered) is not None:
            days += _weekdays(lowered) or []
        elif not at:
            at = parse_time(word)
        else:
            raise UserInputError(word, key="digest.unknown_word", word=word[:40])
    if not at:
        raise UserInputError("no time", key="digest.no_schedule")
    if pm and int(at[:2]) < 12:
        at = f"{int(at[:2]) + 12:02d}{at[2:]}"
    if kind is ScheduleKind.WEEKLY and not days:
        raise UserInputError("no weekday", key="digest.bad_weekday", day="-")
    ordered = tuple(d for d in WEEKDAYS if d in days)
    return Schedule(kind, at=at, weekdays=ordered, timezone=timezone, business_days_only=business_only,
                    skip_if_empty=skip)  # fmt: skip


def parse_time(word: str) -> str:
    """'08:30', '8:30', '8시', '8시30분', '0830' -> 'HH:MM'."""
    text = word.strip().lower().removesuffix("am")
    found = (
        re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        or re.fullmatch(r"(\d{1,2})시(?:(\d{1,2})분)?", text)
        or re.fullmatch(r"(\d{2})(\d{2})", text)
    )
    if found is None:
        raise UserInputError(word, key="digest.bad_time", time=word[:20])
    hour, minute = int(found[1]), int(found[2] or 0)
    if hour > 23 or minute > 59:
        raise UserInputError(word, key="digest.bad_time", time=word[:20])
    return f"{hour:02d}:{minute:02d}"


def _weekdays(word: str) -> list[str] | None:
    parts = [p for p in re.split(r"[,/]", word) if p]
    days: list[str] = []
    for part in parts:
        part = part.removesuffix("요일")
        if part[:3] in WEEKDAYS and (len(part) == 3 or part in _full_names()):
            days.append(part[:3])
        elif len(part) >= 1 and all(ch in _KO_DAYS for ch in part):
            days += [WEEKDAYS[_KO_DAYS.index(ch)] for ch in part]
        else:
            return None
    return days or None


def _full_names() -> set[str]:
    return {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserInputError(name, key="digest.bad_timezone", tz=name[:40]) from None
    return name


def _cron(words: list[str]) -> str:
    fields = " ".join(w.strip("\"'") for w in words).split()
    line = " ".join(fields)
    if len(fields) != 5:
        raise UserInputError(line, key="digest.bad_cron", cron=line[:60], reason="5 fields")
    for field in fields:
        if not re.fullmatch(r"[0-9a-z*,/\-]+", field.lower()):
            raise UserInputError(line, key="digest.bad_cron", cron=line[:60], reason=field[:20])
    crontab_weekdays(fields[4], line)
    return line


def crontab_weekdays(field: str, line: str = "") -> str:
    """A crontab day-of-week field (0 or 7 = Sunday, 1 = Monday; names; ranges; steps) as APScheduler
    day names (APScheduler numbers Monday 0, so numbers must not pass through)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step = part.partition("/")
        if base == "*":
            low, high = 0, 6
        else:
            low_text, _, high_text = base.partition("-")
            low = _crontab_day(low_text, line)
            high = _crontab_day(high_text, line) if high_text else (6 if step else low)
            if high < low:
                high += 7
        if step and not step.isdigit():
            raise UserInputError(line, key="digest.bad_cron", cron=line[:60], reason=part[:20])
        days |= {d % 7 for d in range(low, high + 1, int(step or 1))}
    return ",".join(_CRONTAB_DAYS[d] for d in sorted(days, key=lambda d: (d + 6) % 7))


def _crontab_day(text: str, line: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text) % 7
    if text[:3] in _CRONTAB_DAYS:
        return _CRONTAB_DAYS.index(text[:3])
    raise UserInputError(line, key="digest.bad_cron", cron=line[:60], reason=text[:20])


def job_definition(sub: DigestSubscription, name: str | None = None) -> JobDefinition:
    """The scheduler job of a subscription (kind "digest", payload {subscription_id})."""
    spec: dict[str, str]
    if sub.schedule is ScheduleKind.CRON:
        minute, hour, day, month, weekday = sub.cron.split()
        spec = {"minute": minute, "hour": hour, "day": day, "month": month,
                "day_of_week": crontab_weekdays(weekday, sub.cron)}  # fmt: skip
    else:
        hour, minute = sub.at.split(":")
        spec = {"hour": str(int(hour)), "minute": str(int(minute))}
        if sub.schedule is ScheduleKind.WEEKLY:
            spec["day_of_week"] = ",".join(sub.weekdays)
        elif sub.schedule is ScheduleKind.BUSINESS_DAYS:
            spec["day_of_week"] = "mon-fri"
    return JobDefinition(
        name=name or job_name(sub.id or 0),
        kind=JOB_KIND,
        trigger=TriggerType.CRON,
        spec=spec,
        timezone=sub.timezone,
        business_days_only=sub.business_days_only,
        payload={"subscription_id": sub.id or 0},
    )
