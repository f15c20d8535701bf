"""Decisions waiting for the ERP: stored when the ERP cannot take them now, sent later, never twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class QueuedDecisionStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"  # the ERP accepted it
    REJECTED = "rejected"  # the ERP refused it for good (already decided, not your step, changed)
    DEAD = "dead"  # gave up after too many attempts


@dataclass(frozen=True)
class QueuedDecision:
    """A decision to post to the ERP. `idempotency_key` is unique and is the ERP's Idempotency-Key."""

    idempotency_key: str
    item_id: str
    action: str  # approve | reject | hold
    actor_employee_no: str
    expected_version: int
    comment: str = ""
    on_behalf_of: str = ""
    platform: str = ""
    platform_user_id: str = ""
    tenant_id: str = ""
    locale: str = "ko"
    status: QueuedDecisionStatus = QueuedDecisionStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None
    id: int | None = None


class DecisionQueue(Protocol):
    async def add(self, decision: QueuedDecision) -> bool:
        """Store a decision; False (nothing changes) when its idempotency key is already stored."""
        ...

    async def due(self, now: datetime, *, limit: int = 50) -> list[QueuedDecision]:
        """Pending decisions whose next attempt is due, oldest first. On PostgreSQL the rows are claimed
        (FOR UPDATE SKIP LOCKED with a short lease) so two replicas never send the same one at once."""
        ...

    async def mark(
        self,
        idempotency_key: str,
        status: QueuedDecisionStatus,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record an attempt's outcome (attempts+1 when it stays pending)."""
        ...

    async def get(self, idempotency_key: str) -> QueuedDecision | None: ...

    async def pending_for_item(self, item_id: str) -> list[QueuedDecision]:
        """Pending decisions of one item (to show 'recorded, will be sent' on its card)."""
        ...
