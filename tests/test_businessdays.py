"""Korean business days on real 2026 dates (as the `holidays` package lists them), and the inverse
relations between add_business_days and business_days_between for any dates."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.businessdays import KoreanCalendar

CAL = KoreanCalendar()


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 9, 24), "the day before Chuseok (Thursday)"),
        (date(2026, 9, 25), "Chuseok (Friday)"),
        (date(2026, 9, 26), "the second day of Chuseok (Saturday)"),
        (date(2026, 10, 3), "개천절, a Saturday"),
        (date(2026, 10, 5), "substitute holiday for 개천절 (Monday)"),
        (date(2026, 10, 9), "한글날 (Friday)"),
        (date(2026, 2, 17), "설날 (Tuesday)"),
        (date(2026, 3, 2), "substitute holiday for 삼일절 (Monday)"),
        (date(2026, 6, 3), "local election day (Wednesday)"),
        (date(2026, 9, 19), "a plain Saturday"),
        (date(2026, 9, 27), "a plain Sunday"),
    ],
)
def test_not_business_days_in_2026(day: date, why: str) -> None:
    assert not CAL.is_business_day(day), why


@pytest.mark.parametrize("day", [date(2026, 9, 23), date(2026, 9, 28), date(2026, 10, 6), date(2026, 10, 8)])
def test_business_days_around_chuseok_2026(day: date) -> None:
    assert CAL.is_business_day(day)


def test_arithmetic_across_chuseok_and_the_october_holidays() -> None:
    assert CAL.add_business_days(date(2026, 9, 23), 1) == date(2026, 9, 28)
    assert CAL.add_business_days(date(2026, 9, 28), -1) == date(2026, 9, 23)
    assert CAL.next_business_day(date(2026, 10, 2)) == date(2026, 10, 6)  # over 10-03..05
    assert CAL.previous_business_day(date(2026, 10, 12)) == date(2026, 10, 8)  # over 한글날 and a weekend
    assert CAL.add_business_days(date(2026, 9, 22), 5) == date(2026, 10, 1)
    assert CAL.business_days_between(date(2026, 9, 23), date(2026, 10, 9)) == 8
    assert CAL.business_days_between(date(2026, 10, 9), date(2026, 9, 23)) == -8
    assert CAL.add_business_days(date(2026, 9, 25), 0) == date(2026, 9, 25)


def test_company_days_off_and_extra_workdays() -> None:
    cal = KoreanCalendar(extra_holidays=[date(2026, 9, 23)], extra_workdays=[date(2026, 9, 26)])
    assert not cal.is_business_day(date(2026, 9, 23))
    assert cal.is_business_day(date(2026, 9, 26))  # worked although Chuseok and Saturday
    assert cal.next_business_day(date(2026, 9, 22)) == date(2026, 9, 26)


def test_local_times_are_in_seoul() -> None:
    moment = CAL.at_local(date(2026, 9, 23), time(8, 30))
    assert moment.utcoffset() == timedelta(hours=9)
    assert moment.isoformat() == "2026-09-23T08:30:00+09:00"
    assert CAL.local_date(moment.astimezone(KoreanCalendar("UTC").tz)) == date(2026, 9, 23)
    # 23:30 UTC on the 24th is already the (holiday) 25th in Seoul.
    late = KoreanCalendar("UTC").at_local(date(2026, 9, 24), time(23, 30))
    assert CAL.local_date(late) == date(2026, 9, 25) and not CAL.is_business_day(CAL.local_date(late))
    with pytest.raises(ValueError):
        CAL.local_date(late.replace(tzinfo=None))


def test_holidays_are_cached_per_year() -> None:
    cal = KoreanCalendar()
    assert cal.holidays_of(2026) is cal.holidays_of(2026)
    assert date(2027, 1, 1) in cal.holidays_of(2027)


dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
steps = st.integers(min_value=-40, max_value=40)


@settings(max_examples=150, deadline=None)
@given(a=dates, n=steps)
def test_between_undoes_add_from_a_business_day(a: date, n: int) -> None:
    start = a if CAL.is_business_day(a) else CAL.next_business_day(a)
    end = CAL.add_business_days(start, n)
    assert CAL.business_days_between(start, end) == n
    assert n == 0 or CAL.is_business_day(end)


@settings(max_examples=150, deadline=None)
@given(a=dates, n=st.integers(min_value=0, max_value=40))
def test_between_undoes_add_forwards_from_any_day(a: date, n: int) -> None:
    assert CAL.business_days_between(a, CAL.add_business_days(a, n)) == n


@settings(max_examples=150, deadline=None)
@given(a=dates, b=dates)
def test_add_undoes_between_onto_a_business_day(a: date, b: date) -> None:
    target = b if CAL.is_business_day(b) else CAL.next_business_day(b)
    start = a if CAL.is_business_day(a) else CAL.next_business_day(a)
    assert CAL.add_business_days(start, CAL.business_days_between(start, target)) == target
    assert CAL.business_days_between(start, target) == -CAL.business_days_between(target, start)


@settings(max_examples=100, deadline=None)
@given(a=dates)
def test_next_and_previous_are_neighbours(a: date) -> None:
    following = CAL.next_business_day(a)
    assert following > a and CAL.business_days_between(a, following) == 1
    preceding = CAL.previous_business_day(a)
    assert preceding < a and CAL.previous_business_day(following) <= a
    assert all(not CAL.is_business_day(a + timedelta(days=i)) for i in range(1, (following - a).days))


def test_the_korean_table_is_the_holidays_packages_own() -> None:
    import holidays

    from commands import holidays_kr

    for year in range(2000, 2036):
        expected = frozenset(holidays.country_holidays("KR", years=year).keys())
        assert holidays_kr.korean_public_holidays(year) == expected, year
    many = holidays.country_holidays("KR", years=range(2024, 2028))
    union: set[date] = set().union(*(holidays_kr.korean_public_holidays(y) for y in range(2024, 2028)))
    assert union == set(many.keys())


def test_the_korean_table_falls_back_to_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from commands import holidays_kr

    def missing(path: object) -> type:
        raise FileNotFoundError(str(path))

    holidays_kr._table.cache_clear()
    monkeypatch.setattr(holidays_kr, "_south_korea_class", missing)
    try:
        assert date(2026, 9, 25) in holidays_kr.korean_public_holidays(2026)  # Chuseok
        assert date(2026, 10, 5) in holidays_kr.korean_public_holidays(2026)  # substitute holiday
    finally:
        holidays_kr._table.cache_clear()


def test_the_korean_table_loads_only_the_south_korea_module() -> None:
    probe = (
        "import sys\nfrom commands.holidays_kr import korean_public_holidays\n"
        "assert korean_public_holidays(2026)\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
