"""KPI summaries on demand (`kpi`) and scheduled KPI digests in conversations (`digest`).

The composition root builds a `KpiFeature` (catalogue, cached KPI reader, org directory, and for digests
the subscription/job/run repositories) and `install`s it into `Services.extras`; it registers a
`DigestRunner` as the scheduler's handler of job kind "digest".
"""

from __future__ import annotations

from commands.features.kpi import commands as kpi_commands
from commands.features.kpi import digest_commands
from commands.features.kpi.card import SHOW
from commands.features.kpi.catalogue import Catalogue, load_catalogue
from commands.features.kpi.digest import DigestRunner, RetryPolicy, ensure_digest_jobs
from commands.features.kpi.feature import KpiFeature, feature_of, install
from commands.features.kpi.org import OrgDirectory
from commands.features.kpi.schedule import JOB_KIND
from commands.features.kpi.source import ErpKpiSource, KpiReader
from commands.registry import Registry

NEEDS = ("erp",)

__all__ = [
    "JOB_KIND",
    "Catalogue",
    "DigestRunner",
    "ErpKpiSource",
    "KpiFeature",
    "KpiReader",
    "OrgDirectory",
    "RetryPolicy",
    "ensure_digest_jobs",
    "feature_of",
    "install",
    "load_catalogue",
    "register",
]


def register(registry: Registry) -> None:
    registry.command(
        "kpi",
        kpi_commands.kpi,
        example="kpi 매출 이번달 영업1팀",
        aliases=("지표", "실적"),
        slash=True,
        needs=NEEDS,
    )
    registry.command(
        "digest", digest_commands.digest, example="digest subscribe 매출 수주 daily 08:30",
        aliases=("요약", "digests"), needs=NEEDS,
    )  # fmt: skip
    registry.action(SHOW, kpi_commands.show, needs=NEEDS)
    registry.action(digest_commands.PREVIEW, digest_commands.preview_action, needs=NEEDS)
    registry.action(digest_commands.HISTORY, digest_commands.history_action, needs=NEEDS)
