"""Background work of the approval journey: polling the ERP (the webhook's safety net) and sending
decisions that were queued while the ERP was down."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from loguru import logger

from commands.cards import Reply
from commands.errors import ChatOpsError, NotFound, UpstreamUnavailable
from commands.features.approvals import ApprovalSync
from commands.features.approvals.labels import action_label
from commands.i18n import t
from commands.invocation import Platform
from commands.ports.audit import AuditEvent, AuditRecord, decided_once
from commands.ports.decisions import QueuedDecision, QueuedDecisionStatus
from commands.ports.erp import AlreadyDecided, DecisionAction, ItemChanged, NotYourStep, ReasonRequired
from commands.ports.outbox import OutboundMessage, Person
from commands.services import Services

_REFUSED = (AlreadyDecided, ItemChanged, NotYourStep, ReasonRequired, NotFound)


class ApprovalPoller:
    """Reads items changed since the last run and syncs them; the webhook's safety net. Re-syncing an
    item the webhook already handled sends nothing: delivery keys make it a no-op."""

    def __init__(self, services: Services, *, lookback: timedelta = timedelta(days=2)) -> None:
        assert services.erp is not None
        self._services = services
        self._erp = services.erp
        self._since: datetime | None = None
        self._lookback = lookback

    async def run_once(self) -> int:
        now = self._services.clock.now()
        since = self._since or now - self._lookback
        sync = ApprovalSync(self._services)
        cursor: str | None = None
        newest, synced = since, 0
        while True:
            page = await self._erp.list_approvals(updated_since=since, limit=50, cursor=cursor)
            for item in page.items:
                try:
                    await sync.sync(item)
                    synced += 1
                except ChatOpsError as exc:
                    logger.warning("approval poll: {} not synced: {}", item.id, type(exc).__name__)
                newest = max(newest, item.updated_at)
            cursor = page.next_cursor
            if not cursor:
                break
        self._since = newest - timedelta(seconds=1)  # overlap a little; keys make repeats free
        return synced


class DecisionSender:
    """Sends queued decisions with their original idempotency key, so a decision that did reach the ERP
    before the outage is not made twice."""

    def __init__(self, services: Services, *, max_attempts: int = 12, base_delay: float = 5.0) -> None:
        assert services.erp and services.decisions and services.audit
        self._services = services
        self._max_attempts = max_attempts
        self._base_delay = base_delay

    async def run_once(self) -> int:
        assert self._services.decisions
        sent = 0
        for decision in await self._services.decisions.due(self._services.clock.now()):
            sent += await self._send(decision)
        return sent

    async def _send(self, decision: QueuedDecision) -> int:
        services = self._services
        assert services.erp and services.decisions
        try:
            item = await services.erp.decide(
                decision.item_id,
                DecisionAction(decision.action),
                actor_no=decision.actor_employee_no,
                comment=decision.comment,
                expected_version=decision.expected_version,
                idempotency_key=decision.idempotency_key,
                on_behalf_of=decision.on_behalf_of or None,
            )
        except UpstreamUnavailable as exc:
            attempts = decision.attempts + 1
            if attempts >= self._max_attempts:
                await services.decisions.mark(
                    decision.idempotency_key, QueuedDecisionStatus.DEAD, error=str(exc)
                )
                await self._refused(decision, "ERP unavailable", AuditEvent.DECISION_FAILED)
                return 0
            delay = min(600.0, self._base_delay * 2**attempts) * random.uniform(0.5, 1.0)
            await services.decisions.mark(
                decision.idempotency_key,
                QueuedDecisionStatus.PENDING,
                error=str(exc),
                next_attempt_at=services.clock.now() + timedelta(seconds=delay),
            )
            return 0
        except _REFUSED as exc:
            await services.decisions.mark(
                decision.idempotency_key, QueuedDecisionStatus.REJECTED, error=type(exc).__name__
            )
            await self._refused(decision, type(exc).__name__, AuditEvent.DECISION_REFUSED)
            await self._resync(decision.item_id)
            return 0
        await services.decisions.mark(decision.idempotency_key, QueuedDecisionStatus.SENT)
        # The first answer may have reached a click that made the same decision: one record per key.
        await self._audit(decision, AuditEvent.DECIDED, item.status.value, once=True)
        await ApprovalSync(services).sync(item)
        return 1

    async def _resync(self, item_id: str) -> None:
        try:
            await ApprovalSync(self._services).item_changed(item_id)
        except ChatOpsError as exc:
            logger.info("resync of {} failed: {}", item_id, type(exc).__name__)

    async def _refused(self, decision: QueuedDecision, reason: str, event: AuditEvent) -> None:
        """Tell the person whose queued decision did not go through."""
        await self._audit(decision, event, reason)
        assert self._services.outbox
        locale = decision.locale or self._services.default_locale
        text = t(
            locale,
            "approval.queued_failed",
            title=decision.item_id,
            action=action_label(locale, decision.action),
            reason=reason,
        )
        person = Person(Platform(decision.platform), decision.tenant_id, decision.platform_user_id)
        key = f"decision:{decision.idempotency_key}:failed"
        await self._services.outbox.enqueue(
            OutboundMessage.to_person(person, Reply(text=text), key=key, locale=locale)
        )

    async def _audit(
        self, decision: QueuedDecision, event: AuditEvent, outcome: str, *, once: bool = False
    ) -> None:
        assert self._services.audit
        await self._services.audit.append(
            AuditRecord(
                event=event,
                item_id=decision.item_id,
                at=self._services.clock.now(),
                actor_employee_no=decision.actor_employee_no,
                platform=decision.platform,
                platform_user_id=decision.platform_user_id,
                tenant_id=decision.tenant_id,
                action=decision.action,
                outcome=outcome,
                on_behalf_of=decision.on_behalf_of,
                detail={"idempotency_key": decision.idempotency_key, "queued": True},
                once_key=decided_once(decision.idempotency_key) if once else "",
            )
        )
