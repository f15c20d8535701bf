"""What the KPI feature runs on, built by the composition root and kept in `Services.extras["kpi"]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from commands.businessdays import KoreanCalendar
from commands.errors import ConfigurationError
from commands.features.kpi.catalogue import Catalogue
from commands.features.kpi.org import OrgDirectory
from commands.features.kpi.snapshot import SnapshotReader
from commands.features.kpi.source import KpiReader
from commands.ports.erp import ErpPort
from commands.ports.kpi import DigestRepository, SourceKind
from commands.ports.schedule import JobDefinition, JobRepository, RunRepository
from commands.services import Services

EXTRA_KEY = "kpi"

NextFire = Callable[[JobDefinition, datetime], "datetime | None"]
"""jobs.triggers.next_fire_time: the next fire time of a definition; raises ConfigurationError when the
definition's trigger is invalid."""


@dataclass
class KpiFeature:
    """`digests`, `jobs`, `runs`, `next_fire` and `reload_jobs` are needed by the digest commands only;
    `reload_jobs` (Scheduler.reload) makes a new subscription scheduled at once instead of at the
    scheduler's next resync."""

    catalogue: Catalogue
    reader: KpiReader
    org: OrgDirectory
    calendar: KoreanCalendar = field(default_factory=KoreanCalendar)
    digests: DigestRepository | None = None
    jobs: JobRepository | None = None
    runs: RunRepository | None = None
    next_fire: NextFire | None = None
    reload_jobs: Callable[[], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        self.snapshots = SnapshotReader(self.reader, self.calendar)
        missing = sorted({e.source.kind for e in self.catalogue} - self.reader.kinds())
        if missing:
            raise ConfigurationError(
                f"KPI catalogue {self.catalogue.path}: no source configured for kind(s) {', '.join(missing)}"
            )

    @property
    def digests_ready(self) -> bool:
        return None not in (self.digests, self.jobs, self.runs, self.next_fire)

    def sql_databases(self) -> set[str]:
        return {e.source.database for e in self.catalogue if e.source.kind is SourceKind.SQL}


def install(services: Services, feature: KpiFeature) -> None:
    """Make the feature available to the `kpi` and `digest` handlers."""
    services.extras[EXTRA_KEY] = feature


def feature_of(services: Services) -> KpiFeature:
    feature = services.extras.get(EXTRA_KEY)
    if not isinstance(feature, KpiFeature):
        raise ConfigurationError("the KPI feature is not configured (services.extras['kpi'])")
    return feature


async def verify_catalogue(catalogue: Catalogue, erp: ErpPort) -> list[str]:
    """What in the catalogue the ERP contradicts: unknown metrics or departments, another aggregation.
    One line each; the composition root decides whether that stops start-up."""
    metrics = {m.metric: m for m in await erp.list_kpis()}
    departments = {d.code for d in await erp.list_departments()}
    problems: list[str] = []
    for entry in catalogue:
        where = f"{catalogue.path}: {entry.id}"
        for code in sorted(set(entry.departments) | set(entry.visibility.departments)):
            if code not in departments:
                problems.append(f"{where}: the ERP has no department {code}")
        if entry.source.kind is not SourceKind.ERP:
            continue
        metric = metrics.get(entry.source.metric)
        if metric is None:
            problems.append(f"{where}: the ERP has no KPI {entry.source.metric!r}")
        elif metric.aggregation != entry.aggregation.value:
            problems.append(
                f"{where}: aggregation {entry.aggregation.value} but the ERP says {metric.aggregation}"
            )
    return problems
