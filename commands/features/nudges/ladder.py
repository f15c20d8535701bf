"""The reminder ladder, pure: given a due date, the time now, a person's profile (timezone, morning time,
quiet hours) and the Korean calendar, which step is due and when it may be sent.

A ladder is written `-3,-1,0@09:00,+1..`: 3 and 1 business days before the due date at the person's
morning time, the due day at 09:00, then every business day while overdue. Only the latest step that
has come is ever sent (a bot that was down for a week sends one nudge, not five); a step that lands in
quiet hours, on a weekend or on a holiday waits for the next allowed moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.businessdays import KoreanCalendar
from commands.ports.nudges import Preferences

DEFAULT_LADDER = "-3,-1,0@09:00,+1.."
_STEP = re.compile(r"^([+-]?\d{1,2})(\.\.)?(?:@(\d{1,2}):(\d{2}))?$")
_MAX_SKIPS = 400  # days next_allowed may walk (a year of holidays is far less)


@dataclass(frozen=True)
class LadderStep:
    """`offset` business days from the due date (negative: before); `at` None means the morning time;
    `repeat` (only after the due date) repeats the step every business day from `offset` on."""

    offset: int
    at: time | None = None
    repeat: bool = False


@dataclass(frozen=True)
class Ladder:
    steps: tuple[LadderStep, ...]

    @property
    def max_before(self) -> int:
        """How many business days before the due date the first step comes."""
        return max([-s.offset for s in self.steps if s.offset < 0], default=0)


def parse_ladder(text: str) -> Ladder:
    """`-3,-1,0@09:00,+1..` → Ladder; ValueError names the bad part."""
    steps: list[LadderStep] = []
    for part in (p.strip() for p in text.split(",")):
        match = _STEP.match(part)
        if not match:
            raise ValueError(f"bad ladder step {part!r} (e.g. -3, 0@09:00, +1..)")
        offset, repeat = int(match.group(1)), bool(match.group(2))
        if repeat and offset < 1:
            raise ValueError(f"ladder step {part!r}: only steps after the due date (+1.. or later) repeat")
        at = None
        if match.group(3) is not None:
            at = parse_clock(f"{match.group(3)}:{match.group(4)}")
        steps.append(LadderStep(offset, at, repeat))
    if not steps or len({(s.offset, s.repeat) for s in steps}) != len(steps):
        raise ValueError("the ladder needs at least one step and no step twice")
    return Ladder(tuple(sorted(steps, key=lambda s: s.offset)))


def parse_clock(text: str) -> time:
    """'9:00' / '09:00' → time; ValueError otherwise."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"bad time {text!r} (HH:MM)")
    return time(int(hours), int(minutes))


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc
    return name


@dataclass(frozen=True)
class Profile:
    """A person's effective settings (their own, else their team's, else the company's)."""

    enabled: bool = True
    timezone: str = "Asia/Seoul"
    morning: time = time(9, 0)
    quiet_start: time = time(19, 0)
    quiet_end: time = time(8, 0)
    quiet_weekends: bool = True

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end

    def merged(self, *layers: Preferences | None) -> Profile:
        """This profile with the fields set in `layers` (first set wins) put over it."""

        def pick(name: str, default: object) -> object:
            for layer in layers:
                value = getattr(layer, name, None) if layer is not None else None
                if value is not None:
                    return value
            return default

        return Profile(
            enabled=bool(pick("enabled", self.enabled)),
            timezone=str(pick("timezone", self.timezone)),
            morning=pick("morning", self.morning),  # type: ignore[arg-type]
            quiet_start=pick("quiet_start", self.quiet_start),  # type: ignore[arg-type]
            quiet_end=pick("quiet_end", self.quiet_end),  # type: ignore[arg-type]
            quiet_weekends=bool(pick("quiet_weekends", self.quiet_weekends)),
        )


@dataclass(frozen=True)
class Planned:
    """A step that has come: `fire_at` by the ladder, `send_at` once quiet time is over."""

    step: str
    fire_at: datetime
    send_at: datetime


def step_id(offset: int) -> str:
    """b3 = 3 business days before, d0 = the due day, o2 = 2 business days overdue."""
    if offset < 0:
        return f"b{-offset}"
    return f"o{offset}" if offset else "d0"


def due_day(due_at: datetime, profile: Profile) -> date:
    """The due date as the person sees it (in their timezone)."""
    return due_at.astimezone(profile.tz).date()


def in_quiet_hours(clock: time, profile: Profile) -> bool:
    start, end = profile.quiet_start, profile.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # wraps midnight (19:00–08:00)


def next_allowed(moment: datetime, profile: Profile, calendar: KoreanCalendar) -> datetime:
    """`moment`, or the first moment after it outside quiet hours (and weekends/holidays when those are
    quiet for the person)."""
    local = moment.astimezone(profile.tz)
    day_start = profile.quiet_end if profile.has_quiet_hours else profile.morning
    for _ in range(_MAX_SKIPS):
        day, clock = local.date(), local.time()
        if profile.quiet_weekends and not calendar.is_business_day(day):
            local = datetime.combine(day + timedelta(days=1), day_start, profile.tz)
            continue
        if in_quiet_hours(clock, profile):
            end_day = day + timedelta(days=1) if clock >= profile.quiet_start > profile.quiet_end else day
            local = datetime.combine(end_day, profile.quiet_end, profile.tz)
            continue
        return local
    return local


def is_quiet(now: datetime, profile: Profile, calendar: KoreanCalendar) -> bool:
    """Whether nothing may be sent to the person right now (a step that came earlier waits too)."""
    return next_allowed(now, profile, calendar) > now


def overdue_business_days(due_date: date, today: date, calendar: KoreanCalendar) -> int:
    """Business days after the due date up to and including today (0 while not overdue)."""
    return calendar.business_days_between(due_date, today) if today > due_date else 0


def current_step(
    due_date: date, now: datetime, ladder: Ladder, profile: Profile, calendar: KoreanCalendar
) -> Planned | None:
    """The latest ladder step whose send time has come, or None. A due-day step on a day off is skipped:
    the step before it already said "due soon"."""
    today = now.astimezone(profile.tz).date()
    best: Planned | None = None
    for step in ladder.steps:
        for offset in _offsets(step, due_date, today, calendar):
            if offset == 0 and not calendar.is_business_day(due_date):
                continue
            day = calendar.add_business_days(due_date, offset) if offset else due_date
            fire = datetime.combine(day, step.at or profile.morning, profile.tz)
            send = next_allowed(fire, profile, calendar)
            if send <= now and (best is None or fire > best.fire_at):
                best = Planned(step_id(offset), fire, send)
    return best


def _offsets(step: LadderStep, due_date: date, today: date, calendar: KoreanCalendar) -> list[int]:
    if not step.repeat:
        return [step.offset]
    late = overdue_business_days(due_date, today, calendar)
    return [k for k in (late - 1, late) if k >= step.offset]


def escalation_level(
    due_date: date, now: datetime, thresholds: tuple[int, ...], profile: Profile, calendar: KoreanCalendar
) -> int:
    """How many escalation levels have come: level k once the task is `thresholds[k-1]` business days
    overdue and that day's morning (outside quiet time) has come."""
    level = 0
    for index, days in enumerate(thresholds, start=1):
        day = calendar.add_business_days(due_date, days)
        if next_allowed(datetime.combine(day, profile.morning, profile.tz), profile, calendar) <= now:
            level = index
    return level
