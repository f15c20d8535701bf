"""Bringing chat in line with the ERP: who gets which card for an item's current state.

Every message goes through the outbox under a deterministic delivery key, so running this twice for the
same item version (a webhook and the polling job both firing) sends nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from loguru import logger

from commands.cards import Card, Reply, Text, Tone
from commands.features.approvals.card import Viewer, approval_card, decided_line
from commands.features.approvals.people import (
    DECIDING_KINDS,
    INFORMED_KINDS,
    Contact,
    acting_approver,
    contacts,
)
from commands.i18n import t
from commands.invocation import Platform
from commands.ports.audit import AuditEvent, AuditLog, AuditRecord
from commands.ports.erp import ApprovalItem, ApprovalStatus, ErpPort, StepState
from commands.ports.outbox import OutboundMessage, Outbox, Person
from commands.services import Services

_CLOSED = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.WITHDRAWN)


class ApprovalSync:
    def __init__(self, services: Services) -> None:
        assert services.erp and services.outbox and services.audit  # checked by the registry at start-up
        self._services = services
        self._erp: ErpPort = services.erp
        self._outbox: Outbox = services.outbox
        self._audit: AuditLog = services.audit

    def _today(self) -> date:
        return datetime.now(ZoneInfo(self._services.timezone)).date()

    async def item_changed(self, item_id: str) -> int:
        """Re-read the item from the ERP and sync chat with it (webhook and poller entry point)."""
        return await self.sync(await self._erp.get_approval(item_id))

    async def sync(self, item: ApprovalItem) -> int:
        """Enqueue what the item's current state calls for; returns how many messages were new."""
        sent_now: set[str] = set()
        deciders = await self._deciders(item)
        if item.status in (ApprovalStatus.PENDING, ApprovalStatus.ON_HOLD):
            for employee_no, (viewer, acting_for) in deciders.items():
                sent_now |= await self._post_cards(item, employee_no, viewer, acting_for)
            if item.status is ApprovalStatus.PENDING:
                for step in item.steps:
                    if step.kind in INFORMED_KINDS:
                        sent_now |= await self._post_cards(
                            item, step.approver.employee_no, Viewer.CC, "", "cc"
                        )
        await self._refresh_earlier_cards(item, deciders, sent_now)
        if item.status in (*_CLOSED, ApprovalStatus.ON_HOLD):
            sent_now |= await self._tell_requester(item)
        return len(sent_now)

    async def _deciders(self, item: ApprovalItem) -> dict[str, tuple[Viewer, str]]:
        step = item.current_step
        if step is None or step.kind not in DECIDING_KINDS or item.status in _CLOSED:
            return {}
        found = {step.approver.employee_no: (Viewer.APPROVER, "")}
        acting = await acting_approver(self._erp, step, self._today())
        if acting is not None:
            found[acting.employee_no] = (Viewer.ACTING, step.approver.name)
        return found

    async def _post_cards(
        self, item: ApprovalItem, employee_no: str, viewer: Viewer, acting_for: str, slot: str = ""
    ) -> set[str]:
        step = item.current_step
        slot = slot or f"s{step.seq if step else 0}"
        sent: set[str] = set()
        for contact in await contacts(self._services.identities, employee_no):
            key = f"approval:{item.id}:{slot}:{employee_no}:{contact.platform.value}"
            card = self._card(item, contact, viewer, acting_for)
            message = OutboundMessage.to_person(
                contact.person, Reply.of(card), key=key, locale=self._locale(contact)
            )
            if await self._outbox.enqueue(message):
                sent.add(key)
                await self._record(item, contact, employee_no, key, viewer)
        return sent

    async def _refresh_earlier_cards(
        self, item: ApprovalItem, deciders: dict[str, tuple[Viewer, str]], sent_now: set[str]
    ) -> None:
        for record in await self._audit.list(item_id=item.id, limit=5000):
            key = str(record.detail.get("key", ""))
            if record.event is not AuditEvent.CARD_SENT or not key or key in sent_now:
                continue
            if str(record.detail.get("viewer")) == Viewer.CC:
                continue  # information cards don't change
            viewer, acting_for = deciders.get(record.actor_employee_no, (Viewer.STATUS, ""))
            contact_user = await self._services.identities.get(
                Platform(record.platform), record.tenant_id, record.platform_user_id
            )
            if contact_user is None:
                continue
            contact = Contact(
                Person(contact_user.platform, contact_user.tenant_id, contact_user.user_id), contact_user
            )
            card = self._card(item, contact, viewer, acting_for)
            update = OutboundMessage.update(
                key,
                Reply.of(card),
                key=f"{key}:v{item.version}",
                platform=contact.platform,
                locale=self._locale(contact),
            )
            await self._outbox.enqueue(update)

    async def _tell_requester(self, item: ApprovalItem) -> set[str]:
        reason = next(
            (s.comment for s in item.steps if s.state in (StepState.REJECTED, StepState.ON_HOLD)), ""
        )
        sent: set[str] = set()
        for contact in await contacts(self._services.identities, item.requester.employee_no):
            locale = self._locale(contact)
            text = t(locale, f"approval.outcome.{item.status.value}", title=item.title, reason=reason or "-")
            if item.status is ApprovalStatus.WITHDRAWN:
                continue
            tone = Tone.GOOD if item.status is ApprovalStatus.APPROVED else Tone.ATTENTION
            card = approval_card(item, locale, self._services.timezone, Viewer.STATUS)
            note = Card(summary=text, elements=(Text(text, tone=tone),))
            key = f"approval:{item.id}:outcome:{item.status.value}:v{item.version}:{contact.platform.value}"
            reply = Reply(text=text, cards=(note, card))
            if await self._outbox.enqueue(
                OutboundMessage.to_person(contact.person, reply, key=key, locale=locale)
            ):
                sent.add(key)
                await self._record(item, contact, item.requester.employee_no, key, Viewer.STATUS)
        return sent

    def _card(self, item: ApprovalItem, contact: Contact, viewer: Viewer, acting_for: str) -> Card:
        locale = self._locale(contact)
        refresh: tuple[str, ...] = ()
        if contact.platform is Platform.TEAMS and viewer in (Viewer.APPROVER, Viewer.ACTING):
            refresh = (contact.user.user_id,)
        banner = decided_line(item, locale, self._services.timezone) if viewer is Viewer.STATUS else ""
        return approval_card(
            item,
            locale,
            self._services.timezone,
            viewer,
            acting_for=acting_for,
            banner=banner,
            refresh_user_ids=refresh,
        )

    def _locale(self, contact: Contact) -> str:
        return contact.user.locale or self._services.default_locale

    async def _record(
        self, item: ApprovalItem, contact: Contact, employee_no: str, key: str, viewer: Viewer
    ) -> None:
        await self._audit.append(
            AuditRecord(
                event=AuditEvent.CARD_SENT,
                item_id=item.id,
                at=self._services.clock.now(),
                actor_employee_no=employee_no,
                platform=contact.platform.value,
                platform_user_id=contact.user.user_id,
                tenant_id=contact.user.tenant_id,
                outcome=viewer.value,
                detail={"key": key, "viewer": viewer.value, "version": item.version},
            )
        )
        logger.info(
            "approval {} v{}: {} card for {} on {}",
            item.id,
            item.version,
            viewer,
            employee_no,
            contact.platform,
        )
