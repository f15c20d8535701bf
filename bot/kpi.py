"""Wiring of the KPI feature: catalogue, sources with their cache, digests on the scheduler."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loguru import logger

from adapters.erp.sql_kpi import SqlKpiSource
from commands.businessdays import KoreanCalendar
from commands.errors import ConfigurationError
from commands.features.kpi import (
    DigestRunner,
    ErpKpiSource,
    KpiFeature,
    KpiReader,
    OrgDirectory,
    RetryPolicy,
    ensure_digest_jobs,
    install,
    load_catalogue,
)
from commands.features.kpi.feature import verify_catalogue
from commands.ports.kpi import KpiSource, SourceKind
from jobs.triggers import next_fire_time
from store.digests import SqlDigestRepository

if TYPE_CHECKING:
    from bot.bootstrap import Container


async def install_kpi(container: Container) -> None:
    settings, services = container.settings, container.services
    cfg = settings.kpi
    assert services.erp is not None
    catalogue = load_catalogue(cfg.catalog)
    sources: dict[SourceKind, KpiSource] = {SourceKind.ERP: ErpKpiSource(services.erp)}
    if cfg.sql_databases:
        urls = {name: url.get_secret_value() for name, url in cfg.sql_databases.items()}
        sql = SqlKpiSource(urls, clock=services.clock, timeout_seconds=cfg.sql_timeout_seconds)
        sources[SourceKind.SQL] = sql
        container.closers.append(sql.aclose)
    scheduler = container.scheduler
    feature = KpiFeature(
        catalogue,
        KpiReader(sources, services.clock, ttl=cfg.cache_seconds, max_entries=cfg.cache_entries),
        OrgDirectory(services.erp),
        KoreanCalendar(settings.core.timezone),
        digests=SqlDigestRepository(container.db, clock=services.clock),
        jobs=container.job_repo,
        runs=container.run_repo,
        next_fire=next_fire_time,
        reload_jobs=scheduler.reload if scheduler is not None else None,
    )
    install(services, feature)
    problems = await verify_catalogue(catalogue, services.erp)
    for problem in problems:
        logger.warning("KPI catalogue: {}", problem)
    if problems and cfg.strict_catalog:
        raise ConfigurationError(f"KPI_CATALOG: {problems[0]}")
    retry = RetryPolicy(cfg.digest_retry_attempts, cfg.digest_retry_delay_seconds)
    container.job_kinds["digest"] = DigestRunner(services, feature, retry=retry)
    await ensure_digest_jobs(feature)
