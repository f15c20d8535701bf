"""KPI settings (KPI_*): the catalogue file, how long KPI values are cached, the ERP databases that
SQL-backed KPIs read, and how a digest run retries an unavailable source."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class KpiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KPI_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # The KPI catalogue (YAML), validated at start-up.
    catalog: str = "config/kpi.yaml"
    # A KPI value read within this many seconds is served from memory (its as-of time travels with it).
    cache_seconds: float = Field(60.0, ge=0, le=3600)
    # Entries kept in that cache.
    cache_entries: int = Field(2048, ge=16, le=100_000)
    # JSON object: database name (as in the catalogue's `source.database`) -> SQLAlchemy URL with a
    # synchronous driver, e.g. {"erp_dw": "postgresql+psycopg://kpi_ro:…@erp-db/erp"}.
    # Use a read-only account.
    sql_databases: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
    # Seconds a SQL KPI query may run (PostgreSQL statement_timeout).
    sql_timeout_seconds: float = Field(10.0, gt=0, le=300)
    # A digest run reads KPIs up to this many times when the source is unavailable ...
    digest_retry_attempts: int = Field(3, ge=1, le=10)
    # ... waiting this many seconds, doubled each time (keep the total below SCHEDULER_MISFIRE_GRACE_SECONDS).
    digest_retry_delay_seconds: float = Field(5.0, ge=0, le=600)
    # Stop start-up when the catalogue names metrics or departments the ERP does not have (else: warn).
    strict_catalog: bool = False

    @field_validator("sql_databases", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
            if not isinstance(value, dict):
                raise ValueError('expected a JSON object: {"name": "url"}')
        return value
