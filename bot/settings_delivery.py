"""Settings of proactive delivery (the outbox worker): retries, leases, batches and rate limits."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliverySettings(BaseSettings):
    """DELIVERY_*: how the outbox worker of this process claims, sends and retries.

    The rate caps are per process: with several replicas, divide the platform's cap among them.
    """

    model_config = SettingsConfigDict(
        env_prefix="DELIVERY_", env_file=".env", extra="ignore", case_sensitive=False
    )

    enabled: bool = True
    max_attempts: int = Field(8, ge=1, le=100)
    max_throttled: int = Field(50, ge=1, le=10_000)
    lease_seconds: float = Field(60.0, ge=5, le=3600)
    batch_size: int = Field(20, ge=1, le=500)
    concurrency: int = Field(128, ge=1, le=5000)  # rows in hand: sending or waiting for their turn
    send_concurrency: int = Field(32, ge=1, le=1000)  # requests to the platforms at once
    poll_seconds: float = Field(2.0, gt=0, le=300)
    max_wait_seconds: float = Field(5.0, ge=0, le=60)
    send_timeout_seconds: float = Field(20.0, gt=0, le=300)
    backoff_base_seconds: float = Field(2.0, gt=0, le=3600)
    backoff_cap_seconds: float = Field(900.0, gt=0, le=86_400)
    teams_tenant_rps: float = Field(30.0, ge=0, le=1000)
    slack_workspace_rps: float = Field(10.0, ge=0, le=1000)
    limit_margin_ms: int = Field(20, ge=0, le=5000)
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    slack_check_history: bool = False

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> DeliverySettings:
        if self.lease_seconds <= self.max_wait_seconds + self.send_timeout_seconds:
            raise ValueError(
                "DELIVERY_LEASE_SECONDS: must be longer than "
                "DELIVERY_MAX_WAIT_SECONDS + DELIVERY_SEND_TIMEOUT_SECONDS"
            )
        return self
