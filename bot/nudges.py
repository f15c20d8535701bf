"""Wiring of deadline nudges: the feature (installed into Services.extras), its scheduler kinds, the default
scan jobs, and the Dooray due-date webhook (`POST /dooray/webhook?token=…`).

The webhook never trusts its body beyond naming a task: the task is read again from the source and
judged by the same rules as a scan, so a forged or replayed hook can at most make us look again.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from loguru import logger

from adapters.groupware.dooray_webhook import parse_dooray_webhook
from bot.settings_nudges import NudgeSettings
from commands.businessdays import KoreanCalendar
from commands.errors import ChatOpsError, ConfigurationError
from commands.features.nudges import ErpApprovalSource, NudgeFeature, NudgeScanner, feature_of, install
from commands.ports.tasks import DueDateChange, TaskSource
from jobs.nudges import NudgeJobs, scan_job
from jobs.outcome import Handler
from store.jobs import SqlJobRepository
from store.nudges import SqlNudgeRepository

if TYPE_CHECKING:
    from bot.bootstrap import Container

WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def nudge_settings(container: Container) -> NudgeSettings:
    """`container.settings.nudges` (bot/settings.py must build NudgeSettings as the group "nudges")."""
    found: Any = getattr(container.settings, "nudges", None)
    if not isinstance(found, NudgeSettings):
        raise ConfigurationError("Settings has no `nudges` group (bot/settings_nudges.NudgeSettings)")
    return found


def install_nudges(container: Container) -> NudgeFeature:
    """Build the nudge feature from settings and make it available to handlers and jobs."""
    settings = nudge_settings(container)
    services = container.services
    timezone = container.settings.core.timezone
    calendar = KoreanCalendar(timezone)
    sources: list[TaskSource] = list(services.tasks or [])
    if settings.erp_approvals and services.erp is not None:
        sources.append(
            ErpApprovalSource(services.erp, calendar, wait_business_days=settings.erp_wait_business_days)
        )

    async def reload_jobs() -> None:
        if container.scheduler is not None:
            await container.scheduler.reload()

    feature = NudgeFeature(
        repo=SqlNudgeRepository(container.db, clock=services.clock),
        sources=sources,
        config=settings.to_config(timezone),
        calendar=calendar,
        jobs=SqlJobRepository(container.db, clock=services.clock),
        reload_jobs=reload_jobs,
    )
    install(services, feature)
    return feature


def nudge_job_kinds(container: Container) -> dict[str, Handler]:
    """{kind: handler} for the scheduler: nudge_scan and nudge_roundup."""
    enabled = nudge_settings(container).enabled
    return NudgeJobs(container.services, feature_of(container.services), enabled=enabled).handlers()


async def ensure_nudge_jobs(container: Container) -> None:
    """Seed one scan job per task source (kept as the operator changed it, if it exists)."""
    settings = nudge_settings(container)
    if not settings.enabled:
        return
    jobs = SqlJobRepository(container.db, clock=container.services.clock)
    timezone = container.settings.core.timezone
    for source in feature_of(container.services).sources:
        await jobs.ensure(scan_job(source.name, settings.scan_interval_seconds, timezone))


def dooray_webhook_handler(container: Container) -> WebHandler:
    """The aiohttp handler of `POST /dooray/webhook?token=<NUDGE_DOORAY_WEBHOOK_TOKEN>`: answers at once
    (202) and re-evaluates the named task in the background."""
    token = nudge_settings(container).dooray_webhook_token.get_secret_value()
    pending: set[asyncio.Task[None]] = set()

    async def drain() -> None:
        if pending:
            await asyncio.wait(list(pending), timeout=10)

    container.closers.append(drain)

    async def handle(request: web.Request) -> web.StreamResponse:
        if not token:
            return web.json_response({"error": "the Dooray webhook is not configured"}, status=404)
        given = request.query.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return web.json_response({"error": "bad token"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        change = parse_dooray_webhook(body)
        if change is None:
            return web.json_response({"ignored": True})
        task = asyncio.get_running_loop().create_task(_due_date_changed(container, change))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return web.json_response({"accepted": True}, status=202)

    return handle


async def _due_date_changed(container: Container, change: DueDateChange) -> None:
    try:
        feature = feature_of(container.services)
        source = feature.source(change.source)
        if not change.task_id:
            logger.info(
                "Dooray hook named task #{} without its id; the next scan covers it", change.task_number
            )
            return
        task = await source.get_task(change.project_id, change.task_id)
        if task is None:
            return
        report = await NudgeScanner(container.services, feature).scan_tasks(source, [task])
        logger.info("due date of {}:{} changed: {}", change.source, change.task_id, report)
    except ChatOpsError as exc:
        logger.warning("Dooray due-date hook for {} not handled: {}", change.task_id, exc)
    except Exception:
        logger.exception("Dooray due-date hook for {} failed", change.task_id)
