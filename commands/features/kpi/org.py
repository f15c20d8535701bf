"""The org chart for KPI scopes: departments by code or name, their sub-departments, who heads what.
Read from the ERP and kept for a few minutes (it changes rarely)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from commands.features.kpi.catalogue import normalize
from commands.ports.erp import Department, ErpPort


class OrgChart:
    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_code = {d.code: d for d in departments}
        self._children: dict[str, list[str]] = {}
        for dept in self._by_code.values():
            if dept.parent_code:
                self._children.setdefault(dept.parent_code, []).append(dept.code)
        self._by_word = {normalize(d.name): d for d in self._by_code.values()}
        self._by_word |= {normalize(d.code): d for d in self._by_code.values()}

    def get(self, code: str) -> Department | None:
        return self._by_code.get(code)

    def find(self, word: str) -> Department | None:
        """A department by code (SAL-1, sal1) or name (영업1팀)."""
        return self._by_word.get(normalize(word))

    def subtree(self, code: str) -> frozenset[str]:
        """`code` and every department below it."""
        found: set[str] = set()
        stack = [code] if code in self._by_code else []
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self._children.get(current, ()))
        return frozenset(found)

    def headed_by(self, employee_no: str) -> list[str]:
        """Codes of the departments `employee_no` heads."""
        return [d.code for d in self._by_code.values() if d.head_no == employee_no]

    def name(self, code: str) -> str:
        dept = self._by_code.get(code)
        return dept.name if dept else code


class OrgDirectory:
    """`chart()` reads the ERP's departments at most once per `ttl` seconds (concurrent callers share
    one read)."""

    def __init__(
        self, erp: ErpPort, *, ttl: float = 600.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._erp = erp
        self._ttl = ttl
        self._monotonic = monotonic
        self._chart: OrgChart | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def chart(self) -> OrgChart:
        async with self._lock:
            if self._chart is None or self._monotonic() - self._read_at > self._ttl:
                self._chart = OrgChart(await self._erp.list_departments())
                self._read_at = self._monotonic()
            return self._chart
