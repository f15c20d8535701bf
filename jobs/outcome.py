"""One run of a job handler, classified: success, skipped (non-business day, or the handler said so) or
error with its text. Never raises what the handler raised."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from loguru import logger

from commands.businessdays import KoreanCalendar
from commands.ports.schedule import JobDefinition, RunStatus

Handler = Callable[[JobDefinition, datetime], Awaitable[str | None]]
"""`async def handler(definition, scheduled_for)`; return "skipped: <reason>" to record a skip."""

NOT_A_BUSINESS_DAY = "not a business day"


async def run_handler(
    handler: Handler | None, definition: JobDefinition, scheduled_for: datetime, calendar: KoreanCalendar
) -> tuple[RunStatus, str]:
    """Run `handler` for `scheduled_for` (given in the job's timezone, whose date decides whether it is a
    business day); returns the status and the text to record (error text or skip reason)."""
    if definition.business_days_only and not calendar.is_business_day(scheduled_for.date()):
        logger.info("job {} skipped for {}: {}", definition.name, scheduled_for, NOT_A_BUSINESS_DAY)
        return RunStatus.SKIPPED, NOT_A_BUSINESS_DAY
    if handler is None:
        return RunStatus.ERROR, f"no handler registered for job kind {definition.kind!r}"
    started = time.monotonic()
    try:
        with logger.contextualize(job=definition.name):
            result = await handler(definition, scheduled_for)
    except Exception as exc:
        logger.opt(exception=exc).error("job {} failed for {}", definition.name, scheduled_for)
        return RunStatus.ERROR, f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    if result is not None and result.startswith("skipped"):
        reason = result.removeprefix("skipped").lstrip(": ") or "skipped by the handler"
        logger.info("job {} skipped for {}: {}", definition.name, scheduled_for, reason)
        return RunStatus.SKIPPED, reason
    logger.info("job {} ran for {} in {:.2f}s {}", definition.name, scheduled_for, elapsed, result or "")
    return RunStatus.SUCCESS, ""
