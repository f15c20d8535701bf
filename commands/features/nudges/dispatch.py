"""From candidate steps to cards: drop the steps the ledger has, group the rest per recipient, claim them
all in the ledger (whoever inserts a step first owns it; one statement per 500 steps), enqueue one card per
recipient's chat account for the steps this process claimed, then mark those batches enqueued.

A process that dies between the claim and the enqueue leaves its batches `claimed`; a later scan sends
them from the ledger's snapshots under the same delivery keys (`resend`), so nothing is lost and the
outbox's unique key keeps a card from being stored twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from loguru import logger

from commands.cards import Card, Reply
from commands.features.nudges.cards import escalation_card, nudge_card
from commands.features.nudges.escalation import EMPLOYEE, TARGET
from commands.features.nudges.feature import NudgeFeature
from commands.features.nudges.items import NudgeItem
from commands.features.nudges.people import Directory
from commands.ports.nudges import SentStep
from commands.ports.outbox import OutboundMessage, Outbox
from commands.services import Services


@dataclass(frozen=True)
class Candidate:
    """A step that has come for (task, assignee), to be sent to `recipient` unless it was already."""

    step_key: str
    employee_no: str
    step: str
    due_key: str
    recipient: str
    item: NudgeItem
    escalation: bool = False


@dataclass
class ScanReport:
    tasks: int = 0
    candidates: int = 0
    new_steps: int = 0
    cards: int = 0
    unresolved: int = 0  # assignee emails that match no employee
    unreachable: int = 0  # people with due steps but no linked chat account (they get them once linked)

    def __str__(self) -> str:
        return (
            f"{self.tasks} task(s), {self.candidates} step(s) due, {self.new_steps} new, "
            f"{self.cards} card(s); "
            f"{self.unresolved} unknown assignee(s), {self.unreachable} without a chat account"
        )


def batch_key() -> str:
    """A new batch's key. Unique per claim (not derived from the steps): a batch is exactly the steps one
    process claimed together, so two replicas can never share a card's delivery key."""
    return f"nudge:{uuid.uuid4().hex}"


def _by_batch(steps: list[SentStep]) -> dict[str, list[SentStep]]:
    batches: dict[str, list[SentStep]] = defaultdict(list)
    for step in steps:
        batches[step.batch_key].append(step)
    return batches


class Dispatcher:
    def __init__(
        self, services: Services, feature: NudgeFeature, directory: Directory, now: datetime
    ) -> None:
        assert services.outbox is not None  # checked by NudgeScanner
        self._services = services
        self._outbox: Outbox = services.outbox
        self._feature = feature
        self._directory = directory
        self._now = now

    async def deliver(self, candidates: list[Candidate]) -> ScanReport:
        report = ScanReport(candidates=len(candidates))
        taken = await self._feature.repo.sent_keys([c.step_key for c in candidates])
        groups: dict[tuple[str, bool], list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            if candidate.step_key not in taken:
                groups[(candidate.recipient, candidate.escalation)].append(candidate)
        steps: list[SentStep] = []
        for (recipient, _), group in groups.items():
            if not await self._reachable(recipient):
                report.unreachable += 1
                continue  # not claimed: they get it once they link a chat account
            key = batch_key()
            steps += [
                SentStep(c.step_key, key, c.item.source, c.item.task_id, c.employee_no, c.step, c.due_key,
                         recipient, c.item.snapshot())
                for c in group
            ]  # fmt: skip
        claimed = await self._feature.repo.claim(steps)  # steps another replica claimed first are not ours
        batches = _by_batch(claimed)
        for key, batch in batches.items():
            report.cards += await self._enqueue(key, batch[0].recipient, batch)
        await self._feature.repo.mark_enqueued(list(batches))
        report.new_steps = len(claimed)
        return report

    async def resend(self, steps: list[SentStep]) -> int:
        """Enqueue again the batches of these claimed-but-not-enqueued steps; returns how many."""
        batches = _by_batch(steps)
        for key, batch in batches.items():
            logger.warning("nudge batch {} was claimed but never enqueued; sending it now", key)
            await self._enqueue(key, batch[0].recipient, batch)
        await self._feature.repo.mark_enqueued(list(batches))
        return len(batches)

    async def _reachable(self, recipient: str) -> bool:
        if recipient.startswith(EMPLOYEE):
            return bool(await self._directory.contacts(recipient.removeprefix(EMPLOYEE)))
        target = await self._services.targets.get(int(recipient.removeprefix(TARGET)))
        return target is not None and target.active

    async def _enqueue(self, key: str, recipient: str, steps: list[SentStep]) -> int:
        """One message per chat account of the recipient (or one into the channel); new ones counted."""
        items = [NudgeItem.from_snapshot(s.snapshot, s.outcome) for s in steps]
        escalation = steps[0].step.startswith("e")
        config, default_locale = self._feature.config, self._services.default_locale
        if recipient.startswith(TARGET):
            target = await self._services.targets.get(int(recipient.removeprefix(TARGET)))
            if target is None:
                return 0
            card = self._card(items, escalation, default_locale, config.defaults.timezone, key)
            message = OutboundMessage.to_target(target, Reply.of(card), key=f"{key}:t", locale=default_locale)
            return int(await self._outbox.enqueue(message))
        employee_no = recipient.removeprefix(EMPLOYEE)
        employee = self._directory.by_no(employee_no)
        tz = self._directory.profile(employee).timezone if employee else config.defaults.timezone
        sent = 0
        for contact in await self._directory.contacts(employee_no):
            locale = contact.user.locale or default_locale
            card = self._card(items, escalation, locale, tz, key)
            message = OutboundMessage.to_person(
                contact.person, Reply.of(card), key=f"{key}:{contact.platform.value}", locale=locale
            )
            sent += int(await self._outbox.enqueue(message))
        logger.info("nudge {} ({} step(s)) to {}: {} message(s)", key, len(steps), recipient, sent)
        return sent

    def _card(self, items: list[NudgeItem], escalation: bool, locale: str, tz: str, key: str) -> Card:
        limit = self._feature.config.max_tasks_per_card
        if escalation:
            return escalation_card(items, locale=locale, tz=tz, max_tasks=limit)
        return nudge_card(items, locale=locale, tz=tz, now=self._now, batch_key=key, max_tasks=limit)
