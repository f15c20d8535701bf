"""The scheduled digest: one card per (subscription, scheduled time), KPIs off target first, delivered
to the subscribed conversation through the outbox with the key `digest:<id>:<scheduled time, UTC>`.

Once-only comes from two keys: the scheduler starts a run once per (job, scheduled time) across
restarts and replicas, and the outbox stores a delivery key once, so even a run repeated by hand
cannot post twice. Reading the KPIs is retried on upstream failures (RetryPolicy); a run that still
fails raises, and the scheduler records it as an error with its text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from loguru import logger

from commands.cards import Card, Reply
from commands.errors import ConfigurationError, Forbidden, NotFound, UpstreamUnavailable, UserInputError
from commands.features.kpi.digest_card import Line, digest_card
from commands.features.kpi.feature import KpiFeature
from commands.features.kpi.periods import Period, day, month_of, week_of
from commands.features.kpi.schedule import JOB_KIND, job_definition
from commands.features.kpi.scope import grant_for, resolve
from commands.ports.erp import Employee
from commands.ports.kpi import DigestSubscription, ScheduleKind, job_name
from commands.ports.outbox import OutboundMessage
from commands.ports.schedule import JobDefinition
from commands.services import Services


def delivery_key(subscription_id: int, scheduled_for: datetime) -> str:
    """`digest:<id>:<scheduled time in UTC, ISO 8601>`: the same whichever process runs it."""
    return f"digest:{subscription_id}:{scheduled_for.astimezone(UTC).isoformat()}"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts at reading the KPIs when the source is unavailable, waiting `delay` × 2ⁿ between them."""

    attempts: int = 3
    delay: float = 5.0


@dataclass(frozen=True)
class Composed:
    card: Card
    empty: bool  # no KPI the subscriber may see has any data
    shown: int


def digest_periods(sub: DigestSubscription, on: date, feature: KpiFeature) -> tuple[Period, Period | None]:
    """What a digest sent on `on` covers: last week for weekly digests, else the month to yesterday
    (last month on the 1st); plus the latest day (the last business day for business-day digests)."""
    if sub.schedule is ScheduleKind.WEEKLY:
        return week_of(on - timedelta(days=7)), None
    yesterday = on - timedelta(days=1)
    month = month_of(yesterday.year, yesterday.month).capped(yesterday)
    latest = feature.calendar.previous_business_day(on) if sub.business_days_only else yesterday
    return month, day(latest)


class DigestComposer:
    """Builds a subscription's card as its creator may see it (scope checked at every run; the
    creator's employee record is kept for `employee_ttl` seconds, so a fan-out reads it once)."""

    def __init__(self, services: Services, feature: KpiFeature, *, employee_ttl: float = 60.0) -> None:
        self._services = services
        self._feature = feature
        self._ttl = employee_ttl
        self._employees: dict[str, tuple[float, Employee | None]] = {}

    async def _employee(self, employee_no: str) -> Employee | None:
        now = time.monotonic()
        cached = self._employees.get(employee_no)
        if cached is not None and now - cached[0] <= self._ttl:
            return cached[1]
        assert self._services.erp is not None
        try:
            employee: Employee | None = await self._services.erp.get_employee(employee_no)
        except NotFound:
            employee = None
        if len(self._employees) > 1024:
            self._employees.clear()
        self._employees[employee_no] = (now, employee)
        return employee

    async def compose(self, sub: DigestSubscription, moment: datetime, *, preview: bool = False) -> Composed:
        feature, erp = self._feature, self._services.erp
        if erp is None:
            raise ConfigurationError("digests need the ERP")
        local = moment.astimezone(ZoneInfo(sub.timezone))
        period, latest = digest_periods(sub, local.date(), feature)
        chart = await feature.org.chart()
        employee = await self._employee(sub.created_by)
        lines: list[Line] = []
        hidden: list[str] = []
        for metric in sub.metrics:
            entry = feature.catalogue.get(metric)
            if entry is None or employee is None:
                hidden.append(entry.name(sub.locale) if entry else metric)
                continue
            name = entry.name(sub.locale)
            try:
                department = resolve(entry, grant_for(entry, employee, chart), sub.department, chart, name)
            except (Forbidden, UserInputError):  # no longer allowed, or no data there: leave it out, say so
                hidden.append(name)
                continue
            main = await feature.snapshots.read(entry, period, department, chart, trend=False)
            last = (
                await feature.snapshots.read(entry, latest, department, chart, trend=False)
                if latest
                else None
            )
            lines.append(Line(main, last, chart.name(department) if department else None))
        card = digest_card(lines, hidden, sub, local, period, preview=preview)
        return Composed(card, empty=all(line.main.empty for line in lines), shown=len(lines))


class DigestRunner:
    """The scheduler's handler for jobs of kind "digest" (`scheduler.register_kind("digest", runner)`)."""

    def __init__(
        self,
        services: Services,
        feature: KpiFeature,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if services.outbox is None or feature.digests is None:
            raise ConfigurationError("digests need the outbox and the digest repository")
        self._services = services
        self._feature = feature
        self._composer = DigestComposer(services, feature)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    async def __call__(self, definition: JobDefinition, scheduled_for: datetime) -> str | None:
        assert self._feature.digests is not None and self._services.outbox is not None
        sub_id = int(definition.payload.get("subscription_id", 0))
        sub = await self._feature.digests.get(sub_id)
        if sub is None or not sub.active:
            return f"skipped: subscription {sub_id} is no longer active"
        target = await self._services.targets.get(sub.target_id)
        if target is None or not target.active:
            reason = target.inactive_reason if target else "unknown conversation"
            return f"skipped: the conversation cannot be reached ({reason})"
        composed = await self._compose(sub, scheduled_for)
        if composed.shown == 0:
            return "skipped: the subscriber may see none of the KPIs"
        if composed.empty and sub.skip_if_empty:
            return "skipped: no data"
        key = delivery_key(sub_id, scheduled_for)
        message = OutboundMessage.to_target(target, Reply.of(composed.card), key=key, locale=sub.locale)
        added = await self._services.outbox.enqueue(message)
        return f"{'enqueued' if added else 'already enqueued'} {key}"

    async def _compose(self, sub: DigestSubscription, scheduled_for: datetime) -> Composed:
        attempt = 0
        while True:
            try:
                return await self._composer.compose(sub, scheduled_for)
            except UpstreamUnavailable as exc:
                attempt += 1
                if attempt >= self._retry.attempts:
                    raise UpstreamUnavailable(
                        exc.service, f"{exc} (after {attempt} attempts)", status=exc.status
                    ) from exc
                delay = self._retry.delay * 2 ** (attempt - 1)
                logger.warning(
                    "digest {}: {} unavailable, retry {} in {}s", sub.id, exc.service, attempt, delay
                )
                await self._sleep(delay)


async def ensure_digest_jobs(feature: KpiFeature) -> tuple[int, int]:
    """Make the scheduler's jobs match the subscriptions (at start-up, before the scheduler starts):
    every active subscription has its job, no job of kind "digest" outlives its subscription.
    Returns (jobs written, jobs removed)."""
    if feature.digests is None or feature.jobs is None:
        raise ConfigurationError("ensure_digest_jobs needs the digest and job repositories")
    active = {sub.id: sub for sub in await feature.digests.list_active()}
    written = removed = 0
    for sub in active.values():
        wanted = job_definition(sub)
        stored = await feature.jobs.get(wanted.name)
        if stored is None or (stored.spec, stored.timezone, stored.enabled) != (
            wanted.spec,
            wanted.timezone,
            True,
        ):
            await feature.jobs.upsert(wanted)
            written += 1
    wanted_names = {job_name(sub_id) for sub_id in active if sub_id is not None}
    for definition in await feature.jobs.list():
        if definition.kind == JOB_KIND and definition.name not in wanted_names:
            await feature.jobs.delete(definition.name)
            removed += 1
    return written, removed
