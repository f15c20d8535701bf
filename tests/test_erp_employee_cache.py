"""The ERP client's employee cache: employees are reused for a short TTL, bounded; absences changed
through the client are seen at once; a read overtaken by a change is not kept; approval items and
decisions always go to the ERP."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.erp import HttpErpClient, codec
from adapters.erp.employee_cache import EmployeeCache
from commands.errors import UserInputError
from commands.ports.erp import DecisionAction, Employee
from tests.test_erp_client_failures import EMPLOYEE, ITEM

ABSENCE = {"from": "2026-03-16", "to": "2026-03-18", "acting_employee_no": "2011002"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeErp:
    """Counts requests by (method, path); answers employees (with `absence`), items and decisions."""

    def __init__(self) -> None:
        self.hits: Counter[tuple[str, str]] = Counter()
        self.absence: dict[str, str] | None = None
        self.refuse_changes = False  # a DELETE of an absence answers 400
        self.hold_reads = asyncio.Event()
        self.hold_reads.set()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.hits[(request.method, request.url.path)] += 1
        path = request.url.path
        if path.startswith("/v1/employees/") and path.endswith("/absence"):
            if request.method == "PUT":
                self.absence = json.loads(request.content)
            elif self.refuse_changes:
                return httpx.Response(
                    400, json={"status": 400, "code": "invalid_request", "title": "x", "type": "x"}
                )
            else:
                self.absence = None
            return httpx.Response(200, json=self._employee(path.split("/")[3]))
        if path.startswith("/v1/employees/"):
            answer = self._employee(path.rsplit("/", 1)[1])  # the state when the request arrived
            await self.hold_reads.wait()
            return httpx.Response(200, json=answer)
        if path.endswith("/decisions"):
            return httpx.Response(200, json={**ITEM, "status": "approved", "version": 4})
        if path.startswith("/v1/approvals/"):
            return httpx.Response(200, json=ITEM)
        return httpx.Response(404, json={"status": 404, "code": "not_found", "title": "x", "type": "x"})

    def _employee(self, number: str) -> dict[str, Any]:
        return {**EMPLOYEE, "employee_no": number, "absence": self.absence}

    def gets(self, number: str) -> int:
        return self.hits[("GET", f"/v1/employees/{number}")]


@pytest.fixture
def fake() -> FakeErp:
    return FakeErp()


def client(fake: FakeErp, clock: Clock, **kwargs: Any) -> HttpErpClient:
    return HttpErpClient(
        "http://erp.test", api_key="k", transport=httpx.MockTransport(fake.handle), clock=clock, **kwargs
    )


async def test_an_employee_is_reused_for_the_ttl_then_read_again(fake: FakeErp) -> None:
    clock = Clock()
    erp = client(fake, clock, employee_cache_seconds=60)
    first = await erp.get_employee("2015002")
    clock.now += 59
    assert await erp.get_employee("2015002") == first
    assert fake.gets("2015002") == 1
    fake.absence = ABSENCE  # changed in the ERP, not through this client
    clock.now += 2
    again = await erp.get_employee("2015002")
    assert fake.gets("2015002") == 2
    assert again.absence is not None and again.absence.acting_employee_no == "2011002"
    await erp.aclose()


async def test_zero_seconds_turns_the_cache_off(fake: FakeErp) -> None:
    erp = client(fake, Clock(), employee_cache_seconds=0)
    for _ in range(3):
        await erp.get_employee("2015002")
    assert fake.gets("2015002") == 3
    await erp.aclose()


async def test_absences_changed_through_the_client_are_seen_at_once(fake: FakeErp) -> None:
    erp = client(fake, Clock())
    assert (await erp.get_employee("2015002")).absence is None
    await erp.set_absence("2015002", *_dates(), "2011002")
    away = await erp.get_employee("2015002")
    assert away.absence is not None and away.absence.acting_employee_no == "2011002"
    await erp.clear_absence("2015002")
    assert (await erp.get_employee("2015002")).absence is None
    assert fake.gets("2015002") == 1  # the changes answered with the new state
    await erp.aclose()


async def test_a_read_overtaken_by_a_change_is_not_kept(fake: FakeErp) -> None:
    erp = client(fake, Clock())
    fake.hold_reads.clear()
    stale_read = asyncio.create_task(erp.get_employee("2015002"))  # sees "not absent"
    await asyncio.sleep(0.05)
    await erp.set_absence("2015002", *_dates(), "2011002")
    fake.hold_reads.set()
    assert (await stale_read).absence is None
    now = await erp.get_employee("2015002")
    assert now.absence is not None
    await erp.aclose()


async def test_a_refused_change_forgets_the_cached_employee(fake: FakeErp) -> None:
    erp = client(fake, Clock())
    await erp.get_employee("2015002")
    fake.refuse_changes = True
    with pytest.raises(UserInputError):
        await erp.clear_absence("2015002")
    await erp.get_employee("2015002")
    assert fake.gets("2015002") == 2  # asked again after a change whose outcome it did not see
    await erp.aclose()


async def test_items_and_decisions_are_never_cached(fake: FakeErp) -> None:
    erp = client(fake, Clock())
    for _ in range(2):
        await erp.get_approval("EX-2026-0001")
        await erp.decide(
            "EX-2026-0001",
            DecisionAction.APPROVE,
            actor_no="2015002",
            expected_version=3,
            idempotency_key="k1",
        )
    assert fake.hits[("GET", "/v1/approvals/EX-2026-0001")] == 2
    assert fake.hits[("POST", "/v1/approvals/EX-2026-0001/decisions")] == 2
    await erp.aclose()


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    clock = Clock()
    cache = EmployeeCache(60, size=2, clock=clock)
    people = {n: _employee(n) for n in ("a", "b", "c")}
    for n in ("a", "b"):
        cache.keep(n, people[n], read_in=cache.epoch)
    assert cache.get("a") is people["a"]  # a is now the most recent
    cache.keep("c", people["c"], read_in=cache.epoch)
    assert len(cache) == 2 and cache.get("b") is None and cache.get("a") is people["a"]


def _employee(number: str) -> Employee:
    return codec.employee(codec.Reader({**EMPLOYEE, "employee_no": number}, "employee"))


def _dates() -> tuple[date, date]:
    return date(2026, 3, 16), date(2026, 3, 18)
