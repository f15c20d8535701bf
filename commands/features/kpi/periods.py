"""Periods typed in Korean or English: 오늘/today, 어제/yesterday, 이번주/this-week, 지난주/last-week,
이번달/this-month, 지난달/last-month, 이번분기/this-quarter, 지난분기/last-quarter, 올해/ytd, 2026-10,
2026년 10월, 10월, 2026-Q3, 3분기, 2026-10-05. Weeks start on Monday (ISO). A period that has not ended
runs to `today` and is compared with the same number of days of the period before (YTD: with the same
span last year)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from commands.errors import UserInputError

_DAY = timedelta(days=1)


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YTD = "ytd"


@dataclass(frozen=True)
class Period:
    """`start`..`end` inclusive; `full_end` is where the period would end (after `end` while it runs)."""

    kind: PeriodKind
    start: date
    end: date
    full_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def running(self) -> bool:
        return self.end < self.full_end

    @property
    def token(self) -> str:
        """A token that parses back to this period (for buttons): 2026-10, 2026-Q4, 2026-W41, 2026-10-05."""
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"ytd-{self.end.isoformat()}"

    def previous(self) -> Period:
        """The period to compare with: the one before, cut to the same length while this one runs."""
        if self.kind is PeriodKind.DAY:
            day = self.start - _DAY
            return Period(PeriodKind.DAY, day, day, day)
        if self.kind is PeriodKind.WEEK:
            week = timedelta(days=7)
            return Period(PeriodKind.WEEK, self.start - week, self.end - week, self.full_end - week)
        if self.kind is PeriodKind.YTD:
            end = _same_day_last_year(self.end)
            return Period(PeriodKind.YTD, date(end.year, 1, 1), end, date(end.year, 12, 31))
        months = 1 if self.kind is PeriodKind.MONTH else 3
        start = _add_months(self.start, -months)
        full_end = self.start - _DAY
        end = min(start + (self.end - self.start), full_end) if self.running else full_end
        return Period(self.kind, start, end, full_end)

    def capped(self, today: date) -> Period:
        """The part of the period up to `today`; UserInputError when it has not begun."""
        if self.start > today:
            raise UserInputError(self.token, key="kpi.period_future", period=self.token)
        return Period(self.kind, self.start, min(self.end, today), self.full_end)


def day(on: date) -> Period:
    return Period(PeriodKind.DAY, on, on, on)


def week_of(on: date) -> Period:
    start = on - timedelta(days=on.weekday())
    return Period(PeriodKind.WEEK, start, start + timedelta(days=6), start + timedelta(days=6))


def month_of(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    return Period(PeriodKind.MONTH, start, end, end)


def quarter_of(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = _add_months(start, 3) - _DAY
    return Period(PeriodKind.QUARTER, start, end, end)


def ytd(today: date) -> Period:
    return Period(PeriodKind.YTD, date(today.year, 1, 1), today, date(today.year, 12, 31))


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _same_day_last_year(on: date) -> date:
    return on.replace(year=on.year - 1) if not (on.month == 2 and on.day == 29) else date(on.year - 1, 2, 28)


def _latest_month(month: int, today: date) -> Period:
    """The most recent such month that has begun (in March, '10월' is last October)."""
    year = today.year if month <= today.month else today.year - 1
    return month_of(year, month)


def _latest_quarter(quarter: int, today: date) -> Period:
    year = today.year if 3 * quarter - 2 <= today.month else today.year - 1
    return quarter_of(year, quarter)


def _quarter_now(today: date) -> Period:
    return quarter_of(today.year, (today.month - 1) // 3 + 1)


_RELATIVE: dict[str, Callable[[date], Period]] = {}
for _words, _make in (
    (("today", "오늘", "금일"), day),
    (("yesterday", "어제", "전일"), lambda today: day(today - _DAY)),
    (("thisweek", "week", "wtd", "이번주", "금주"), week_of),
    (
        ("lastweek", "prevweek", "previousweek", "지난주", "전주", "저번주"),
        lambda today: week_of(today - 7 * _DAY),
    ),
    (
        ("thismonth", "month", "mtd", "이번달", "당월", "금월"),
        lambda today: month_of(today.year, today.month),
    ),
    (
        ("lastmonth", "prevmonth", "previousmonth", "지난달", "전월", "저번달"),
        lambda today: month_of(*(_add_months(today.replace(day=1), -1).timetuple()[:2])),
    ),
    (("thisquarter", "quarter", "qtd", "이번분기", "분기", "금분기", "당분기"), _quarter_now),
    (
        ("lastquarter", "prevquarter", "previousquarter", "지난분기", "전분기", "저번분기"),
        lambda today: _quarter_now(_add_months(_quarter_now(today).start, -3)),
    ),
    (("ytd", "thisyear", "year", "yeartodate", "올해", "금년", "연간누계", "누계", "올해누계"), ytd),
):
    for _word in _words:
        _RELATIVE[_word] = _make

_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name: i for i, name in enumerate(calendar.month_abbr) if name
}
_MONTHS = {name.lower(): i for name, i in _MONTHS.items()} | {"sept": 9}

_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], Period]], ...] = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), lambda m, t: day(date(*map(int, m.groups())))),
    (re.compile(r"^(\d{4})[-./](\d{1,2})$"), lambda m, t: month_of(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})년(\d{1,2})월$"), lambda m, t: month_of(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{1,2})월$"), lambda m, t: _latest_month(int(m[1]), t)),
    (re.compile(r"^(\d{4})-?q([1-4])$"), lambda m, t: quarter_of(int(m[1]), int(m[2]))),
    (re.compile(r"^q([1-4])$"), lambda m, t: _latest_quarter(int(m[1]), t)),
    (re.compile(r"^(\d{4})년([1-4])분기$"), lambda m, t: quarter_of(int(m[1]), int(m[2]))),
    (re.compile(r"^([1-4])분기$"), lambda m, t: _latest_quarter(int(m[1]), t)),
    (
        re.compile(r"^(\d{4})-?w(\d{1,2})$"),
        lambda m, t: week_of(date.fromisocalendar(int(m[1]), int(m[2]), 1)),
    ),
    (re.compile(r"^ytd-(\d{4}-\d{2}-\d{2})$"), lambda m, t: ytd(date.fromisoformat(m[1]))),
    (re.compile(r"^([a-z]+)(\d{4})$"), lambda m, t: month_of(int(m[2]), _MONTHS[m[1]])),
    (re.compile(r"^(\d{4})([a-z]+)$"), lambda m, t: month_of(int(m[1]), _MONTHS[m[2]])),
    (re.compile(r"^([a-z]+)$"), lambda m, t: _latest_month(_MONTHS[m[1]], t)),
)


def _normalize(text: str) -> str:
    return (
        re.sub(r"[\s_\-]+", "", text.strip().lower()) if not re.search(r"\d", text) else text.strip().lower()
    )


def match_period(text: str, today: date) -> Period | None:
    """The period `text` names (one or two words already joined), or None when it names none."""
    word = _normalize(text)
    relative = _RELATIVE.get(word)
    if relative is not None:
        return relative(today)
    compact = re.sub(r"\s+", "", word)
    for pattern, make in _PATTERNS:
        found = pattern.match(compact)
        if found is None:
            continue
        try:
            return make(found, today)
        except KeyError:
            return None  # a word that is no month name ("sales")
        except ValueError:
            raise UserInputError(text, key="kpi.bad_period", period=text[:40]) from None  # 13월, 2026-W60
    return None


def take_period(words: Sequence[str], today: date) -> tuple[Period | None, list[str]]:
    """Find one period among `words` (two-word forms like 'last month' or '2026년 10월' first);
    returns it, capped at today, and the words left over. Two periods are a UserInputError."""
    rest: list[str] = []
    found: Period | None = None
    i = 0
    while i < len(words):
        pair = f"{words[i]} {words[i + 1]}" if i + 1 < len(words) else ""
        period, used = (match_period(pair, today), 2) if pair else (None, 0)
        if period is None:
            period, used = match_period(words[i], today), 1
        if period is None:
            rest.append(words[i])
            i += 1
            continue
        if found is not None:
            raise UserInputError("two periods", key="kpi.two_periods")
        found = period.capped(today)
        i += used
    return found, rest
