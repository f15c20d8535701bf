"""Korean business days: weekends and public holidays (lunar, substitute and election days included,
as the `holidays` package knows them) are not business days; company-specific exceptions can be added."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.holidays_kr import korean_public_holidays

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


class KoreanCalendar:
    """Business-day arithmetic for South Korea.

    `extra_holidays` are company days off (창립기념일...); `extra_workdays` are days worked although the
    country rests (they win over everything). Holiday tables are built once per year and cached.
    """

    def __init__(
        self,
        tz: str = "Asia/Seoul",
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self.tz = ZoneInfo(tz)
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        self._years: dict[int, frozenset[date]] = {}

    def holidays_of(self, year: int) -> frozenset[date]:
        """The public holidays of `year` (weekends not included unless they are holidays)."""
        cached = self._years.get(year)
        if cached is None:
            cached = korean_public_holidays(year)
            self._years[year] = cached
        return cached

    def is_business_day(self, day: date) -> bool:
        """True on weekdays that are neither a public holiday nor a company day off."""
        if day in self._extra_workdays:
            return True
        if day in self._extra_holidays or day.weekday() >= _SATURDAY:
            return False
        return day not in self.holidays_of(day.year)

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before `day`."""
        day -= _ONE_DAY
        while not self.is_business_day(day):
            day -= _ONE_DAY
        return day

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day after `day` (before it when n < 0); `day` itself when n == 0."""
        step = self.next_business_day if n > 0 else self.previous_business_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def business_days_between(self, a: date, b: date) -> int:
        """Business days in (a, b] when b >= a, or minus those in (b, a] when b < a, so that
        `add_business_days(a, business_days_between(a, b)) == b` for business days a and b."""
        if b < a:
            return -self.business_days_between(b, a)
        count = 0
        day = a + _ONE_DAY
        while day <= b:
            count += self.is_business_day(day)
            day += _ONE_DAY
        return count

    def at_local(self, day: date, at: time) -> datetime:
        """`day` at wall-clock `at` in the calendar's timezone, as an aware datetime."""
        return datetime.combine(day, at.replace(tzinfo=None), tzinfo=self.tz)

    def local_date(self, moment: datetime) -> date:
        """The calendar date of an aware datetime in the calendar's timezone."""
        if moment.tzinfo is None:
            raise ValueError("local_date needs an aware datetime")
        return moment.astimezone(self.tz).date()
