"""Periods typed in Korean and English, and how KPI numbers read (1.2억원, ₩1.2B, ▲ 4.2%)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.errors import UserInputError
from commands.features.kpi.catalogue import Format, NumberStyle, Unit
from commands.features.kpi.format import format_change, format_value, korean_amount
from commands.features.kpi.periods import Period, PeriodKind, match_period, take_period

TODAY = date(2026, 10, 15)  # Thursday
D = date

PAIRS = [  # (Korean, English): the same period
    ("오늘", "today"),
    ("어제", "yesterday"),
    ("이번주", "this-week"),
    ("지난주", "last-week"),
    ("이번달", "this-month"),
    ("지난달", "last-month"),
    ("이번분기", "this-quarter"),
    ("분기", "quarter"),
    ("지난분기", "last-quarter"),
    ("올해", "ytd"),
    ("2026년 9월", "2026-09"),
    ("9월", "september"),
    ("3분기", "2026-Q3"),
]
RELATIVE_PAIRS = [*PAIRS[:10], ("9월", "september"), ("3분기", "q3"), ("2분기", "Q2")]


@pytest.mark.parametrize(
    ("words", "kind", "start", "end", "prev_start", "prev_end"),
    [
        (["오늘"], PeriodKind.DAY, D(2026, 10, 15), D(2026, 10, 15), D(2026, 10, 14), D(2026, 10, 14)),
        (["yesterday"], PeriodKind.DAY, D(2026, 10, 14), D(2026, 10, 14), D(2026, 10, 13), D(2026, 10, 13)),
        (["this", "week"], PeriodKind.WEEK, D(2026, 10, 12), D(2026, 10, 15), D(2026, 10, 5), D(2026, 10, 8)),
        (["지난주"], PeriodKind.WEEK, D(2026, 10, 5), D(2026, 10, 11), D(2026, 9, 28), D(2026, 10, 4)),
        (["이번달"], PeriodKind.MONTH, D(2026, 10, 1), D(2026, 10, 15), D(2026, 9, 1), D(2026, 9, 15)),
        (["last", "month"], PeriodKind.MONTH, D(2026, 9, 1), D(2026, 9, 30), D(2026, 8, 1), D(2026, 8, 31)),
        (["2026-10"], PeriodKind.MONTH, D(2026, 10, 1), D(2026, 10, 15), D(2026, 9, 1), D(2026, 9, 15)),
        (["2026년", "3월"], PeriodKind.MONTH, D(2026, 3, 1), D(2026, 3, 31), D(2026, 2, 1), D(2026, 2, 28)),
        (["11월"], PeriodKind.MONTH, D(2025, 11, 1), D(2025, 11, 30), D(2025, 10, 1), D(2025, 10, 31)),
        (["분기"], PeriodKind.QUARTER, D(2026, 10, 1), D(2026, 10, 15), D(2026, 7, 1), D(2026, 7, 15)),
        (["last-quarter"], PeriodKind.QUARTER, D(2026, 7, 1), D(2026, 9, 30), D(2026, 4, 1), D(2026, 6, 30)),
        (["ytd"], PeriodKind.YTD, D(2026, 1, 1), D(2026, 10, 15), D(2025, 1, 1), D(2025, 10, 15)),
        (["2026-10-05"], PeriodKind.DAY, D(2026, 10, 5), D(2026, 10, 5), D(2026, 10, 4), D(2026, 10, 4)),
    ],
)
def test_periods_and_what_they_are_compared_with(
    words: list[str], kind: PeriodKind, start: date, end: date, prev_start: date, prev_end: date
) -> None:
    period, rest = take_period(words, TODAY)
    assert rest == [] and period is not None
    assert (period.kind, period.start, period.end) == (kind, start, end)
    previous = period.previous()
    assert (previous.start, previous.end) == (prev_start, prev_end)


def test_the_other_words_are_left_for_the_department() -> None:
    period, rest = take_period(["이번달", "영업1팀"], TODAY)
    assert period is not None and period.start == D(2026, 10, 1) and rest == ["영업1팀"]
    assert take_period(["SAL-1"], TODAY) == (None, ["SAL-1"])


@pytest.mark.parametrize(("korean", "english"), PAIRS)
def test_korean_and_english_name_the_same_period(korean: str, english: str) -> None:
    assert take_period(korean.split(), TODAY)[0] == take_period(english.split(), TODAY)[0] is not None


@pytest.mark.parametrize(
    ("words", "key"),
    [
        (["2026-13"], "kpi.bad_period"),
        (["2026-W60"], "kpi.bad_period"),
        (["2027-01"], "kpi.period_future"),
        (["오늘", "어제"], "kpi.two_periods"),
    ],
)
def test_bad_periods_are_user_errors(words: list[str], key: str) -> None:
    with pytest.raises(UserInputError) as info:
        take_period(words, TODAY)
    assert info.value.key == key


days = st.dates(min_value=D(2001, 1, 1), max_value=D(2099, 12, 31))


@given(today=days, pair=st.sampled_from(RELATIVE_PAIRS))
def test_any_day_korean_equals_english(today: date, pair: tuple[str, str]) -> None:
    try:
        korean = take_period(pair[0].split(), today)[0]
    except UserInputError:  # an explicit month after `today`
        with pytest.raises(UserInputError):
            take_period(pair[1].split(), today)
        return
    assert korean == take_period(pair[1].split(), today)[0]


@given(today=days, word=st.sampled_from([w for pair in PAIRS[:10] for w in pair]))
def test_relative_periods_hold_their_invariants(today: date, word: str) -> None:
    period, _ = take_period(word.split(), today)
    assert period is not None
    assert period.start <= period.end <= today and period.end <= period.full_end
    previous = period.previous()
    assert previous.end < period.start
    if period.kind in (PeriodKind.DAY, PeriodKind.WEEK) or (
        period.running and period.kind is not PeriodKind.YTD
    ):
        assert previous.days == period.days or previous.end == previous.full_end
    if period.kind is PeriodKind.WEEK:
        assert period.start.weekday() == 0 and previous.start == period.start - timedelta(days=7)
    assert match_period(period.token, today) is not None  # buttons carry a token that parses back


@given(text=st.text(max_size=30))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(UserInputError):
        take_period(text.split(), TODAY)


@given(today=days, month=st.integers(1, 12))
def test_a_bare_month_is_the_latest_that_began(today: date, month: int) -> None:
    period = match_period(f"{month}월", today)
    assert isinstance(period, Period) and period.start.month == month
    assert period.start <= today < period.start.replace(year=period.start.year + 1)


# --- numbers ---------------------------------------------------------------------------------------

KRW = Format(style=NumberStyle.KOREAN, decimals=1)


@pytest.mark.parametrize(
    ("value", "ko", "en"),
    [
        (123_456_789, "1.2억원", "₩123M"),
        (1_234_567_890, "12.3억원", "₩1.2B"),
        (12_345_678_900, "123억원", "₩12.3B"),
        (99_995_000, "1억원", "₩100M"),
        (34_500_000, "3,450만원", "₩34.5M"),
        (9_800, "9,800원", "₩9.8K"),
        (-250_000_000, "-2.5억원", "-₩250M"),
        (1.5e12, "1.5조원", "₩1.5T"),
    ],
)
def test_korean_large_numbers(value: float, ko: str, en: str) -> None:
    assert format_value(value, Unit.KRW, KRW, "ko") == ko
    assert format_value(value, Unit.KRW, KRW, "en") == en


def test_units_and_changes() -> None:
    plain = Format()
    assert format_value(1234, Unit.COUNT, plain, "ko") == "1,234건"
    assert format_value(1234, Unit.COUNT, plain, "en") == "1,234"
    assert format_value(58, Unit.PERSONS, plain, "ko") == "58명"
    assert format_value(12.345, Unit.PERCENT, Format(style=NumberStyle.PERCENT, decimals=1), "en") == "12.3%"
    assert format_value(1234.5, Unit.HOURS, Format(decimals=1), "ko") == "1,234.5시간"
    assert format_value(None, Unit.KRW, KRW, "ko") == "-"
    assert (format_change(0.123), format_change(-0.04), format_change(0.0), format_change(None)) == (
        "▲ 12.3%",
        "▼ 4%",
        "– 0%",
        "-",
    )


@given(st.floats(min_value=1, max_value=1e15))
def test_korean_amounts_read_back_within_rounding(value: float) -> None:
    text = korean_amount(value, "ko")
    scale = {"조": 1e12, "억": 1e8, "만": 1e4}.get(text[-1], 1)
    number = float(text.rstrip("조억만").replace(",", "")) * scale
    assert abs(number - value) <= max(0.051 * scale, value * 0.006)
