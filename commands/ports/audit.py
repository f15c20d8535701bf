"""The append-only audit log of approvals: every card sent, viewed and decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class AuditEvent(StrEnum):
    CARD_SENT = "card_sent"  # a card was enqueued to someone (approver, acting approver, cc, requester)
    CARD_VIEWED = "card_viewed"  # Teams refresh: the card was opened by a user
    DECIDED = "decided"  # the ERP accepted a decision made in chat
    DECISION_QUEUED = "decision_queued"  # the ERP was down: stored, will be sent
    DECISION_REFUSED = "decision_refused"  # not your step, already decided, stale card...
    DECISION_FAILED = "decision_failed"  # gave up sending a queued decision
    ABSENCE_SET = "absence_set"  # delegate: an acting approver was set


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log. `actor_employee_no` decided or saw; `on_behalf_of` is set for 대결."""

    event: AuditEvent
    item_id: str
    at: datetime
    actor_employee_no: str = ""
    platform: str = ""
    platform_user_id: str = ""
    tenant_id: str = ""
    action: str = ""  # approve | reject | hold
    outcome: str = ""  # e.g. approved, already_decided, not_your_step, queued
    on_behalf_of: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    # Non-empty: the log keeps only the first record with this key (see `decided_once`).
    once_key: str = ""
    id: int | None = None


def decided_once(idempotency_key: str) -> str:
    """The `once_key` of a DECIDED record: the ERP makes one decision per idempotency key and replays
    it to every repeat (double click, platform retry, queued resend), so one record per key."""
    return f"decided:{idempotency_key}"


class AuditLog(Protocol):
    async def append(self, record: AuditRecord) -> None:
        """Add a record; records are never changed or deleted. A record whose non-empty `once_key` an
        earlier record carries is not added (no error): a replayed decision stays one decision."""
        ...

    async def list(
        self, *, since: datetime | None = None, item_id: str | None = None, limit: int = 1000
    ) -> list[AuditRecord]:
        """Records in time order (oldest first), optionally from `since` and for one item."""
        ...
