"""The ERP webhook signature: `X-ERP-Signature: v1=<hex HMAC-SHA256("{timestamp}.{raw body}")>`
with `X-ERP-Timestamp` in Unix seconds; anything more than 5 minutes off is a replay."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

from adapters.erp.codec import MalformedResponse, Reader
from commands.ports.erp import ApprovalEvent

TOLERANCE = timedelta(minutes=5)
SIGNATURE_HEADER = "X-ERP-Signature"
TIMESTAMP_HEADER = "X-ERP-Timestamp"


class WebhookRejected(Exception):
    """The webhook must be answered 401. `reason`: missing, malformed, stale or mismatch."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"webhook rejected: {reason}")
        self.reason = reason


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-ERP-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    return "v1=" + _digest(secret, str(timestamp), body)


def verify_webhook(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> None:
    """Raise WebhookRejected unless `signature` signs `body` at `timestamp`, within 5 minutes of `now`."""
    if not secret:
        raise ValueError("webhook secret is empty")
    if not timestamp or not signature:
        raise WebhookRejected("missing")
    if not (
        timestamp.isascii() and timestamp.isdigit() and signature.isascii() and signature.startswith("v1=")
    ):
        raise WebhookRejected("malformed")
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE.total_seconds():
        raise WebhookRejected("stale")
    if not hmac.compare_digest(_digest(secret, timestamp, body), signature.removeprefix("v1=")):
        raise WebhookRejected("mismatch")


def parse_webhook_event(body: bytes) -> ApprovalEvent:
    """The event of a verified webhook body; WebhookRejected('malformed') if it is not one."""
    try:
        r = Reader(json.loads(body), "event")
        return ApprovalEvent(
            event_id=r.text("event_id"),
            type=r.text("type"),
            item_id=r.text("item_id"),
            version=r.integer("version"),
            occurred_at=r.time("occurred_at"),
        )
    except (ValueError, MalformedResponse) as exc:
        raise WebhookRejected("malformed") from exc
