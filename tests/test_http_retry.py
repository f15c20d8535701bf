"""Retry-After reading and the two jittered backoffs shared by the ERP and groupware clients."""

from __future__ import annotations

import random
import ssl
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from adapters.groupware.retry import RetryPolicy
from adapters.http_retry import equal_jitter, full_jitter, retry_after_seconds

NOW = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
SAMPLES = 2000


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5), ("+2", 2.0), ("-5", 0.0), ("-0.5", 0.0)],
)
def test_delta_seconds(header: str, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


def test_http_date_in_the_future_is_the_time_until_it() -> None:
    assert retry_after_seconds(format_datetime(NOW + timedelta(seconds=90), usegmt=True), now=NOW) == 90.0
    assert retry_after_seconds("Mon, 16 Mar 2026 01:00:20 GMT", now=NOW) == 20.0


def test_http_date_in_the_past_means_now() -> None:
    assert retry_after_seconds("Mon, 16 Mar 2026 00:59:00 GMT", now=NOW) == 0.0


def test_naive_http_date_is_read_as_utc() -> None:
    assert retry_after_seconds("Mon, 16 Mar 2026 01:00:20 -0000", now=NOW) == 20.0


def test_http_date_with_an_offset() -> None:
    assert retry_after_seconds("Mon, 16 Mar 2026 10:00:30 +0900", now=NOW) == 30.0


def test_http_date_without_now_counts_from_the_clock() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    waited = retry_after_seconds(soon)
    assert waited is not None and 55.0 <= waited <= 60.0


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "soon",
        "1e3",  # float() reads these, a header must not
        "nan",
        "inf",
        "1_000",
        "\u0663",  # ARABIC-INDIC DIGIT THREE
        ".5",
        "3 s",
        "Mon, 31 Feb 2026 00:00:00 GMT",
        "Mon, 01 Jan 2026 25:00:00 GMT",
    ],
)
def test_absent_or_garbage_is_none(header: str | None) -> None:
    assert retry_after_seconds(header, now=NOW) is None


def test_equal_jitter_stays_in_the_upper_half_of_the_capped_ceiling() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(0, 0.25), (1, 0.5), (2, 1.0), (6, 10.0), (30, 10.0)]:
        waits = [equal_jitter(attempt, base=0.25, cap=10.0, rng=rng) for _ in range(SAMPLES)]
        assert ceiling / 2 <= min(waits) < ceiling * 0.55
        assert ceiling * 0.95 < max(waits) <= ceiling


def test_full_jitter_spans_zero_to_the_capped_ceiling() -> None:
    rng = random.Random(2)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (3, 4.0), (4, 8.0), (30, 8.0)]:
        waits = [full_jitter(attempt, base=0.5, cap=8.0, rng=rng) for _ in range(SAMPLES)]
        assert 0.0 <= min(waits) < ceiling * 0.05
        assert ceiling * 0.95 < max(waits) <= ceiling


def test_a_zero_base_never_waits() -> None:
    assert equal_jitter(3, base=0.0, cap=10.0) == 0.0
    assert full_jitter(3, base=0.0, cap=8.0) == 0.0


def test_the_groupware_policy_keeps_full_jitter() -> None:
    # (the ERP's equal jitter is held by test_erp_client_failures.py::test_5xx_is_retried_with_jittered_backoff)
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8.0)
    waits = [policy.backoff(2) for _ in range(SAMPLES)]  # ceiling 2.0
    assert min(waits) < 0.5 and 1.5 < max(waits) <= 2.0


def test_the_http_clients_share_one_tls_context() -> None:
    from adapters.tls import client_tls

    assert client_tls() is client_tls()
    assert client_tls().verify_mode is ssl.CERT_REQUIRED and client_tls().check_hostname
