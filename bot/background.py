"""Background work started with the app: the scheduler (with its job kinds) and small periodic loops."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from loguru import logger

from commands.ports.schedule import JobDefinition, TriggerType
from jobs.approvals import ApprovalPoller, DecisionSender
from jobs.leader import build_leader
from jobs.periodic import Periodic
from jobs.scheduler import Scheduler, default_replica_id
from store.jobs import SqlJobRepository, SqlRunRepository

if TYPE_CHECKING:
    from bot.bootstrap import Container

APPROVAL_POLL = "approval_poll"
APPROVAL_POLL_SECONDS = 300
DECISION_RETRY_SECONDS = 10.0


def build_scheduler(container: Container) -> Scheduler | None:
    """The scheduler (not started yet), or None when this replica runs no jobs (SCHEDULER_ENABLED=false).
    The job and run repositories are set on the container either way: commands read them."""
    services = container.services
    container.job_repo = SqlJobRepository(container.db, clock=services.clock)
    container.run_repo = SqlRunRepository(container.db, clock=services.clock)
    cfg = container.settings.scheduler
    if not cfg.enabled:
        logger.info("scheduler disabled on this replica (SCHEDULER_ENABLED=false)")
        return None
    replica = cfg.replica_id or default_replica_id()
    return Scheduler(
        container.job_repo,
        container.run_repo,
        services.clock,
        timezone=container.settings.core.timezone,
        misfire_grace_seconds=cfg.misfire_grace_seconds,
        coalesce=cfg.coalesce,
        replica_id=replica,
        leader=build_leader(container.db, replica_id=replica),
        leader_check_seconds=cfg.leader_check_seconds,
        resync_seconds=cfg.resync_seconds,
        stuck_after_seconds=cfg.stuck_after_seconds,
        shutdown_grace_seconds=cfg.shutdown_grace_seconds,
    )


async def start_background(container: Container) -> None:
    """Start the loops and the scheduler with every job kind; each registers its own closer."""
    services = container.services
    sender = DecisionSender(services)
    container.decision_sender = sender
    retry_loop = Periodic("decision-retry", DECISION_RETRY_SECONDS, sender.run_once)
    retry_loop.start()
    container.closers.append(retry_loop.stop)
    scheduler = container.scheduler
    if scheduler is None:
        return
    poller = ApprovalPoller(services)

    async def poll(definition: JobDefinition, scheduled_for: datetime) -> str | None:
        count = await poller.run_once()
        return None if count else "skipped: nothing changed"

    scheduler.register_kind(APPROVAL_POLL, poll)
    for kind, handler in container.job_kinds.items():
        scheduler.register_kind(kind, handler)
    assert container.job_repo is not None
    await container.job_repo.ensure(
        JobDefinition(
            "approval-poll",
            APPROVAL_POLL,
            TriggerType.INTERVAL,
            {"seconds": APPROVAL_POLL_SECONDS},
            timezone=container.settings.core.timezone,
        )
    )
    await scheduler.start()
    container.closers.append(scheduler.stop)
