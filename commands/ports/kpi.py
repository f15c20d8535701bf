"""KPI sources and digest subscriptions, as the core sees them.

A KPI's values come from a `KpiSource`: the ERP contract's KPI endpoint, or a read-only SQL query against
an ERP database (adapters/erp/sql_kpi.py). Digest subscriptions are stored through `DigestRepository`;
each one is scheduled as a job of kind "digest".
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from commands.invocation import Platform
from commands.ports.erp import Grain, KpiSeries


class SourceKind(StrEnum):
    ERP = "erp"  # the ERP contract's /v1/kpis/{metric}/values
    SQL = "sql"  # a read-only SELECT against a configured database


class Aggregation(StrEnum):
    SUM = "sum"  # flows: sales, orders, hours
    LAST = "last"  # stocks: inventory, headcount (the last day's level)
    AVG = "avg"  # rates: the mean of the daily values


@dataclass(frozen=True)
class KpiSourceSpec:
    """Where a KPI's values come from. `metric` for the ERP; `database` (a configured name, never a URL)
    and `query` for SQL. The query gets `:start` and `:end` (dates, inclusive) and returns rows of
    (day, department, value); `as_of_query` returns one timestamp telling how fresh the data is."""

    kind: SourceKind
    metric: str = ""
    database: str = ""
    query: str = ""
    as_of_query: str = ""

    @property
    def label(self) -> str:
        """A short, non-secret name of the source: `erp:sales`, `sql:erp_dw`."""
        return f"erp:{self.metric}" if self.kind is SourceKind.ERP else f"sql:{self.database}"


@dataclass(frozen=True)
class KpiRequest:
    """Values of one KPI between `start` and `end` (inclusive) per `grain`. `department` is None for the
    company; `department_codes` is that department with every sub-department (for SQL sources)."""

    spec: KpiSourceSpec
    aggregation: Aggregation
    start: date
    end: date
    grain: Grain = Grain.DAY
    department: str | None = None
    department_codes: frozenset[str] = frozenset()


class KpiSource(Protocol):
    """One kind of KPI source. Raises UpstreamUnavailable when the backend fails, NotFound for an
    unknown metric or department; `as_of` of the series tells how fresh the data is."""

    async def fetch(self, request: KpiRequest) -> KpiSeries:
        """The series for `request`, with `as_of`."""
        ...


class ScheduleKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    BUSINESS_DAYS = "business-days"
    CRON = "cron"


@dataclass(frozen=True)
class DigestSubscription:
    """A channel's digest of `metrics`. `at` is "HH:MM" for daily, weekly and business-days schedules;
    `weekdays` ("mon".."sun") for weekly ones; `cron` a 5-field crontab line. `department` None means
    the creator's default scope. `created_by` is the employee whose KPI scope the digest runs with."""

    platform: Platform
    target_id: int
    metrics: tuple[str, ...]
    schedule: ScheduleKind
    at: str = ""
    weekdays: tuple[str, ...] = ()
    cron: str = ""
    timezone: str = "Asia/Seoul"
    business_days_only: bool = False
    skip_if_empty: bool = True
    department: str | None = None
    locale: str = "ko"
    created_by: str = ""
    active: bool = True
    id: int | None = None
    created_at: datetime | None = None

    @property
    def job_name(self) -> str:
        """The scheduler job that runs this subscription."""
        if self.id is None:
            raise ValueError("the subscription must be stored first")
        return job_name(self.id)


def job_name(subscription_id: int) -> str:
    """`digest-<id>`: the name of a subscription's scheduler job."""
    return f"digest-{subscription_id}"


class DigestRepository(Protocol):
    """Stored digest subscriptions."""

    async def add(self, subscription: DigestSubscription) -> DigestSubscription:
        """Store a new subscription (its id is ignored); returns it with id and created_at."""
        ...

    async def get(self, subscription_id: int) -> DigestSubscription | None:
        """One subscription, active or not."""
        ...

    async def for_target(self, target_id: int) -> builtins.list[DigestSubscription]:
        """The active subscriptions of one conversation, oldest first."""
        ...

    async def deactivate(self, subscription_id: int, by: str) -> bool:
        """Stop the subscription (kept for its history); False when it was not active."""
        ...

    async def list_active(self) -> builtins.list[DigestSubscription]:
        """Every active subscription, by id."""
        ...
