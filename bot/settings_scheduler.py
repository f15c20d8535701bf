"""Scheduler settings (SCHEDULER_*): whether this replica runs jobs, and how lateness, missed runs,
leadership and crashed runs are handled."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULER_", env_file=".env", extra="ignore", case_sensitive=False
    )

    enabled: bool = True
    # A run may start at most this late (busy loop, leader hand-over, restart); later ones are skipped.
    misfire_grace_seconds: int = Field(300, ge=1, le=86_400)
    # Several missed fire times of one job run once, not once each.
    coalesce: bool = True
    # How often leadership is taken/confirmed (PostgreSQL): a dead leader is replaced within about this.
    leader_check_seconds: float = Field(5.0, ge=0.5, le=300)
    # How often definitions changed by another replica or the CLI are picked up.
    resync_seconds: float = Field(60.0, ge=1, le=3600)
    # A run still `working` after this long belonged to a process that died: it is marked as an error.
    stuck_after_seconds: int = Field(3600, ge=60, le=7 * 86_400)
    # At shutdown, running jobs get this long to finish before they are cancelled.
    shutdown_grace_seconds: float = Field(10.0, ge=0, le=300)
    # Names this replica in the run records; empty = hostname:pid.
    replica_id: str = Field("", max_length=128)
