"""The reminder ladder with a frozen clock: business days across a weekend and Chuseok 2026, quiet hours,
the due-day step on a holiday, escalation levels, and how the due date reads in Korean and English."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from commands.businessdays import KoreanCalendar
from commands.features.nudges.cards import relative_due
from commands.features.nudges.ladder import (
    DEFAULT_LADDER,
    Profile,
    current_step,
    escalation_level,
    next_allowed,
    parse_ladder,
)
from commands.ports.nudges import Preferences
from tests.fixtures.nudges import kst

CAL = KoreanCalendar()
LADDER = parse_ladder(DEFAULT_LADDER)
SEOUL = Profile()


def step_at(due: date, now: datetime, profile: Profile = SEOUL) -> str | None:
    planned = current_step(due, now, LADDER, profile, CAL)
    return planned.step if planned else None


def test_ladder_across_a_weekend() -> None:
    due = date(2026, 9, 14)  # a Monday
    assert step_at(due, kst(2026, 9, 8, 12)) is None  # Tue: nothing yet
    assert step_at(due, kst(2026, 9, 9, 8, 59)) is None
    assert step_at(due, kst(2026, 9, 9, 9)) == "b3"  # Wed = 3 business days before
    assert step_at(due, kst(2026, 9, 11, 9)) == "b1"  # Fri = 1 business day before (not Sunday)
    assert step_at(due, kst(2026, 9, 12, 15)) == "b1"  # Saturday: still the Friday step, nothing new
    assert step_at(due, kst(2026, 9, 14, 9)) == "d0"
    assert step_at(due, kst(2026, 9, 15, 9)) == "o1"
    assert step_at(due, kst(2026, 9, 18, 9)) == "o4"
    assert step_at(due, kst(2026, 9, 19, 10)) == "o4"  # Saturday: no overdue step
    assert step_at(due, kst(2026, 9, 21, 9)) == "o5"  # Monday


def test_ladder_across_chuseok_2026() -> None:
    due = date(2026, 9, 28)  # Monday after Chuseok (9/24–26 off)
    assert step_at(due, kst(2026, 9, 21, 9)) == "b3"  # Mon 9/21, Tue 9/22, Wed 9/23 are the 3 days before
    assert step_at(due, kst(2026, 9, 23, 9)) == "b1"
    assert step_at(due, kst(2026, 9, 25, 10)) == "b1"  # Chuseok: nothing new
    assert step_at(due, kst(2026, 9, 28, 9)) == "d0"
    assert step_at(due, kst(2026, 10, 2, 9)) == "o4"
    assert step_at(due, kst(2026, 10, 5, 9)) == "o4"  # substitute holiday for 개천절
    assert step_at(due, kst(2026, 10, 6, 9)) == "o5"


def test_a_due_day_on_a_holiday_has_no_due_day_step() -> None:
    due = date(2026, 9, 25)  # Chuseok
    assert step_at(due, kst(2026, 9, 23, 9)) == "b1"
    assert step_at(due, kst(2026, 9, 25, 12)) == "b1"
    assert step_at(due, kst(2026, 9, 28, 9)) == "o1"  # the first business day after is 1 day overdue


def test_quiet_hours_hold_a_step_until_0800() -> None:
    early = Profile(morning=time(7, 0))  # asks for 07:00, but quiet hours last until 08:00
    due = date(2026, 9, 10)
    assert step_at(due, kst(2026, 9, 9, 7, 30), early) == "b3"  # b1 (07:00) waits for 08:00
    planned = current_step(due, kst(2026, 9, 9, 8), LADDER, early, CAL)
    assert planned is not None and planned.step == "b1" and planned.send_at == kst(2026, 9, 9, 8)


def test_next_allowed_skips_evenings_weekends_and_holidays() -> None:
    assert next_allowed(kst(2026, 9, 9, 12), SEOUL, CAL) == kst(2026, 9, 9, 12)
    assert next_allowed(kst(2026, 9, 9, 19), SEOUL, CAL) == kst(2026, 9, 10, 8)
    assert next_allowed(kst(2026, 9, 10, 3), SEOUL, CAL) == kst(2026, 9, 10, 8)
    assert next_allowed(kst(2026, 9, 11, 19, 30), SEOUL, CAL) == kst(2026, 9, 14, 8)  # Fri → Mon
    assert next_allowed(kst(2026, 9, 23, 20), SEOUL, CAL) == kst(2026, 9, 28, 8)  # before Chuseok
    weekend_ok = SEOUL.merged(Preferences(quiet_weekends=False))
    assert next_allowed(kst(2026, 9, 12, 10), weekend_ok, CAL) == kst(2026, 9, 12, 10)
    no_quiet = SEOUL.merged(Preferences(quiet_start=time(0), quiet_end=time(0)))
    assert next_allowed(kst(2026, 9, 9, 23), no_quiet, CAL) == kst(2026, 9, 9, 23)
    daytime = SEOUL.merged(Preferences(quiet_start=time(12), quiet_end=time(13)))
    assert next_allowed(kst(2026, 9, 9, 12, 30), daytime, CAL) == kst(2026, 9, 9, 13)


def test_a_user_in_another_timezone_gets_their_morning() -> None:
    tokyo = SEOUL.merged(Preferences(timezone="America/New_York"))
    due = date(2026, 9, 14)
    # 09:00 in New York on Friday 9/11 is 22:00 in Seoul
    assert step_at(due, kst(2026, 9, 11, 21, 59), tokyo) == "b3"
    assert step_at(due, kst(2026, 9, 11, 22, 0), tokyo) == "b1"


def test_preferences_layer_over_team_and_company() -> None:
    team = Preferences(morning=time(8, 30), quiet_weekends=False)
    own = Preferences(morning=time(10, 0))
    merged = SEOUL.merged(own, team)
    assert merged.morning == time(10, 0) and merged.quiet_weekends is False and merged.quiet_end == time(8)


def test_escalation_levels_come_in_business_days() -> None:
    due = date(2026, 9, 22)  # Tuesday before Chuseok
    assert escalation_level(due, kst(2026, 9, 23, 9), (3, 5), SEOUL, CAL) == 0
    assert escalation_level(due, kst(2026, 9, 28, 8, 59), (3, 5), SEOUL, CAL) == 0  # 9/23, 9/28 = 2 days
    assert escalation_level(due, kst(2026, 9, 29, 9), (3, 5), SEOUL, CAL) == 1
    assert escalation_level(due, kst(2026, 10, 1, 9), (3, 5), SEOUL, CAL) == 2


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "bad ladder step"), ("-3,-3", "twice"), ("0..", "repeat"), ("+1@25:00", "hour"), ("x", "bad")],
)
def test_bad_ladders_are_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_ladder(text)


def test_custom_ladder_with_times() -> None:
    ladder = parse_ladder("-2@14:00,0,+2")
    due = date(2026, 9, 14)
    planned = current_step(due, kst(2026, 9, 10, 14), ladder, SEOUL, CAL)
    assert planned is not None and planned.step == "b2"
    planned = current_step(due, kst(2026, 9, 17, 9), ladder, SEOUL, CAL)
    assert planned is not None and planned.step == "o2"  # +2 fires once, not every day
    planned = current_step(due, kst(2026, 9, 18, 9), ladder, SEOUL, CAL)
    assert planned is not None and planned.step == "o2"


@pytest.mark.parametrize(
    ("due", "now", "ko", "en"),
    [
        (kst(2026, 9, 10, 18), kst(2026, 9, 9, 9), "내일 마감", "due tomorrow"),
        (kst(2026, 9, 9, 18), kst(2026, 9, 9, 9), "오늘 마감", "due today"),
        (kst(2026, 9, 9, 8), kst(2026, 9, 9, 9), "오늘 마감 시간 지남", "past due today"),
        (kst(2026, 9, 7, 18), kst(2026, 9, 9, 9), "2일 지남", "2 days overdue"),
        (kst(2026, 9, 8, 18), kst(2026, 9, 9, 9), "1일 지남", "1 day overdue"),
        (kst(2026, 9, 14, 18), kst(2026, 9, 9, 9), "5일 남음", "due in 5 days"),
    ],
)
def test_relative_due_text(due: datetime, now: datetime, ko: str, en: str) -> None:
    assert relative_due(due, now, "Asia/Seoul", "ko")[0] == ko
    assert relative_due(due, now, "Asia/Seoul", "en")[0] == en
