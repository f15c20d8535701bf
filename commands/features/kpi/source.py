"""Reading KPI values: the source port per kind (ERP contract, SQL) behind a short TTL cache.

The cache is keyed by (source, aggregation, start, end, grain, department) and stores the series with
the source's own `as_of`, so a cached value still shows when its data was current. Concurrent readers
of one key share a single fetch (a digest fan-out asks for the same figures many times at once).
Errors are never cached.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from commands.errors import ConfigurationError
from commands.ports.clock import Clock
from commands.ports.erp import ErpPort, KpiSeries
from commands.ports.kpi import KpiRequest, KpiSource, SourceKind

CacheKey = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class Reading:
    """A series as read: `fetched_at` is when it left the source (earlier than now on a cache hit)."""

    series: KpiSeries
    fetched_at: datetime
    cached: bool = False


class ErpKpiSource:
    """KPI values through the ERP contract (GET /v1/kpis/{metric}/values); departments include their
    sub-departments on the ERP's side."""

    def __init__(self, erp: ErpPort) -> None:
        self._erp = erp

    async def fetch(self, request: KpiRequest) -> KpiSeries:
        """The ERP's series for the request's metric, period, grain and department."""
        return await self._erp.kpi_values(
            request.spec.metric,
            request.start,
            request.end,
            grain=request.grain,
            department=request.department,
        )


class KpiReader:
    """Routes each request to the source of its kind and caches the answers for `ttl` seconds."""

    def __init__(
        self,
        sources: Mapping[SourceKind, KpiSource],
        clock: Clock,
        *,
        ttl: float = 60.0,
        max_entries: int = 2048,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sources = dict(sources)
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._monotonic = monotonic
        self._entries: OrderedDict[CacheKey, tuple[float, Reading]] = OrderedDict()
        self._inflight: dict[CacheKey, asyncio.Future[Reading]] = {}
        self.fetches = 0  # how many requests reached a source (for tests and the benchmark)

    def kinds(self) -> frozenset[SourceKind]:
        return frozenset(self._sources)

    async def read(self, request: KpiRequest) -> Reading:
        key = _key(request)
        entry = self._entries.get(key)
        if entry is not None and self._monotonic() - entry[0] <= self._ttl:
            self._entries.move_to_end(key)
            return Reading(entry[1].series, entry[1].fetched_at, cached=True)
        pending = self._inflight.get(key)
        if pending is not None:
            reading = await asyncio.shield(pending)
            return Reading(reading.series, reading.fetched_at, cached=True)
        future: asyncio.Future[Reading] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            reading = await self._fetch(request)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(reading)
            self._store(key, reading)
            return reading
        finally:
            del self._inflight[key]

    def clear(self) -> None:
        self._entries.clear()

    async def _fetch(self, request: KpiRequest) -> Reading:
        source = self._sources.get(request.spec.kind)
        if source is None:
            raise ConfigurationError(f"no KPI source of kind {request.spec.kind.value!r} is configured")
        self.fetches += 1
        series = await source.fetch(request)
        return Reading(series, self._clock.now())

    def _store(self, key: CacheKey, reading: Reading) -> None:
        self._entries[key] = (self._monotonic(), reading)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)


def _key(request: KpiRequest) -> CacheKey:
    spec = request.spec
    source = f"{spec.kind.value}:{spec.metric}:{spec.database}:{hash(spec.query)}"
    return (
        source,
        request.aggregation.value,
        request.start.isoformat(),
        request.end.isoformat(),
        request.grain.value,
        request.department or "",
    )
