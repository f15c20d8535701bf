"""The ERP webhook signature: good, tampered, wrong secret, stale, from the future, malformed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters.erp import WebhookRejected, parse_webhook_event, sign_webhook, verify_webhook

SECRET = "whsec-test-0a1b2c"
NOW = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
BODY = json.dumps(
    {"event_id": "e1", "type": "approval.updated", "item_id": "EX-2026-0001", "version": 4,
     "occurred_at": "2026-03-16T10:00:00+09:00"}
).encode()  # fmt: skip


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(SECRET, TS, BODY) == f"v1={expected}"


def test_a_good_signature_passes_and_parses() -> None:
    verify_webhook(SECRET, str(TS), sign_webhook(SECRET, TS, BODY), BODY, NOW + timedelta(minutes=4))
    event = parse_webhook_event(BODY)
    assert (event.item_id, event.version, event.type) == ("EX-2026-0001", 4, "approval.updated")
    assert event.occurred_at == NOW


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "reason"),
    [
        (str(TS), sign_webhook(SECRET, TS, BODY), BODY + b" ", NOW, "mismatch"),
        (str(TS), sign_webhook("other-secret", TS, BODY), BODY, NOW, "mismatch"),
        (str(TS + 1), sign_webhook(SECRET, TS, BODY), BODY, NOW, "mismatch"),
        (str(TS), sign_webhook(SECRET, TS, BODY), BODY, NOW + timedelta(minutes=5, seconds=1), "stale"),
        (str(TS), sign_webhook(SECRET, TS, BODY), BODY, NOW - timedelta(minutes=6), "stale"),
        (None, sign_webhook(SECRET, TS, BODY), BODY, NOW, "missing"),
        (str(TS), "", BODY, NOW, "missing"),
        ("yesterday", sign_webhook(SECRET, TS, BODY), BODY, NOW, "malformed"),
        (str(TS), "sha256=abc", BODY, NOW, "malformed"),
        (str(TS), "v1=서명", BODY, NOW, "malformed"),
    ],
)
def test_bad_signatures_are_rejected(
    timestamp: str | None, signature: str, body: bytes, now: datetime, reason: str
) -> None:
    with pytest.raises(WebhookRejected) as rejected:
        verify_webhook(SECRET, timestamp, signature, body, now)
    assert rejected.value.reason == reason


def test_an_empty_secret_is_a_configuration_bug() -> None:
    with pytest.raises(ValueError, match="secret"):
        verify_webhook("", str(TS), "v1=00", BODY, NOW)


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"event_id": "e1"}).encode()])
def test_bodies_that_are_not_events_are_rejected(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as rejected:
        parse_webhook_event(body)
    assert rejected.value.reason == "malformed"
