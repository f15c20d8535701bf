"""HttpErpClient: the ErpPort over the published contract (adapters/erp/openapi.yaml)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx

from adapters.erp import codec
from adapters.erp.auth import ApiKey, ClientCredentials, Credentials, NoCredentials, OAuthSettings
from adapters.erp.employee_cache import EmployeeCache
from adapters.erp.http import ErpHttp, Sleep
from commands.ports.erp import (
    ApprovalItem,
    ApprovalStatus,
    DecisionAction,
    Department,
    Employee,
    ErpPort,
    Grain,
    KpiMetric,
    KpiSeries,
    Page,
)

T = TypeVar("T")


def _segment(value: str) -> str:
    return quote(value, safe="")


class HttpErpClient:
    """The ERP over HTTP. Give `api_key` or `oauth` (token_url, client_id, client_secret, scope);
    `transport`, `sleep` and `clock` are for tests. Close with `aclose()`.

    `get_employee` answers from a cache for `employee_cache_seconds` (0: always ask; see
    adapters/erp/employee_cache.py). Approval items and decisions are never cached."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        oauth: OAuthSettings | tuple[str, str, str, str] | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retries: int = 3,
        backoff: float = 0.25,
        max_retry_after: float = 30.0,
        page_size: int = 100,
        employee_cache_seconds: float = 60.0,
        employee_cache_size: int = 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if api_key and oauth:
            raise ValueError("give either api_key or oauth, not both")
        credentials: Credentials = NoCredentials()
        if api_key:
            credentials = ApiKey(api_key)
        elif oauth:
            credentials = ClientCredentials(OAuthSettings(*oauth))
        self._page_size = page_size
        self._employees = EmployeeCache(employee_cache_seconds, employee_cache_size, clock=clock)
        self._http = ErpHttp(
            base_url.rstrip("/"),
            credentials,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retries=retries,
            backoff=backoff,
            max_retry_after=max_retry_after,
            transport=transport,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(
        self,
        path: str,
        decode: Callable[[codec.Reader], T],
        *,
        what: str,
        params: Mapping[str, str] | None = None,
    ) -> T:
        return await self._http.call("GET", path, decode, what=what, retry=True, params=params)

    # -- org chart -----------------------------------------------------------------------------

    async def get_employee(self, employee_no: str) -> Employee:
        cached = self._employees.get(employee_no)
        if cached is not None:
            return cached
        epoch = self._employees.epoch
        path = f"/v1/employees/{_segment(employee_no)}"
        employee: Employee = await self._get(path, codec.employee, what=employee_no)
        self._employees.keep(employee_no, employee, read_in=epoch)
        return employee

    async def find_employee_by_email(self, email: str) -> Employee | None:
        page: Page[Employee] = await self._get(
            "/v1/employees", _employee_page, what=email, params={"email": email, "limit": "1"}
        )
        return page.items[0] if page.items else None

    async def list_employees(self, *, department: str | None = None) -> list[Employee]:
        employees: list[Employee] = []
        cursor: str | None = None
        while True:
            params = {"limit": str(self._page_size)}
            if department:
                params["department"] = department
            if cursor:
                params["cursor"] = cursor
            page: Page[Employee] = await self._get(
                "/v1/employees", _employee_page, what="employees", params=params
            )
            employees.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                return employees

    async def list_departments(self) -> list[Department]:
        departments: list[Department] = await self._get("/v1/departments", _departments, what="departments")
        return departments

    async def set_absence(self, employee_no: str, start: date, end: date, acting_no: str) -> Employee:
        body = {"from": start.isoformat(), "to": end.isoformat(), "acting_employee_no": acting_no}
        self._employees.changing(employee_no)
        # PUT replaces the absence wholesale, so a repeat has no further effect: safe to retry.
        employee: Employee = await self._http.call(
            "PUT",
            f"/v1/employees/{_segment(employee_no)}/absence",
            codec.employee,
            what=employee_no,
            retry=True,
            body=body,
        )
        self._employees.changed(employee_no, employee)
        return employee

    async def clear_absence(self, employee_no: str) -> Employee:
        self._employees.changing(employee_no)
        employee: Employee = await self._http.call(
            "DELETE",
            f"/v1/employees/{_segment(employee_no)}/absence",
            codec.employee,
            what=employee_no,
            retry=True,
        )
        self._employees.changed(employee_no, employee)
        return employee

    # -- approvals -----------------------------------------------------------------------------

    async def pending_approvals(
        self, approver_no: str, *, limit: int = 20, cursor: str | None = None
    ) -> Page[ApprovalItem]:
        return await self._approvals({"approver": approver_no}, limit, cursor)

    async def list_approvals(
        self,
        *,
        status: ApprovalStatus | None = None,
        updated_since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ApprovalItem]:
        params: dict[str, str] = {}
        if status:
            params["status"] = status.value
        if updated_since:
            params["updated_since"] = updated_since.isoformat()
        return await self._approvals(params, limit, cursor)

    async def _approvals(self, params: dict[str, str], limit: int, cursor: str | None) -> Page[ApprovalItem]:
        params["limit"] = str(limit)
        if cursor:
            params["cursor"] = cursor
        page: Page[ApprovalItem] = await self._get(
            "/v1/approvals", _approval_page, what="approvals", params=params
        )
        return page

    async def get_approval(self, item_id: str) -> ApprovalItem:
        item: ApprovalItem = await self._get(
            f"/v1/approvals/{_segment(item_id)}", codec.approval, what=item_id
        )
        return item

    async def decide(
        self,
        item_id: str,
        action: DecisionAction,
        *,
        actor_no: str,
        comment: str = "",
        expected_version: int,
        idempotency_key: str,
        on_behalf_of: str | None = None,
    ) -> ApprovalItem:
        body = {
            "action": DecisionAction(action).value,
            "actor_employee_no": actor_no,
            "comment": comment,
            "expected_version": expected_version,
            "on_behalf_of": on_behalf_of,
        }
        # A POST, yet retried: the ERP stores the outcome under Idempotency-Key, so a retry after a
        # timeout or 5xx returns the first decision instead of deciding twice.
        item: ApprovalItem = await self._http.call(
            "POST",
            f"/v1/approvals/{_segment(item_id)}/decisions",
            codec.approval,
            what=item_id,
            retry=True,
            body=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return item

    async def create_approval(self, draft: Mapping[str, Any]) -> ApprovalItem:
        """Optional admin endpoint (demo ERP): submit a new item. Not retried: it is not idempotent."""
        item: ApprovalItem = await self._http.call(
            "POST", "/v1/approvals", codec.approval, what="approval", retry=False, body=dict(draft)
        )
        return item

    # -- KPIs ----------------------------------------------------------------------------------

    async def list_kpis(self) -> list[KpiMetric]:
        metrics: list[KpiMetric] = await self._get("/v1/kpis", _kpi_catalogue, what="kpis")
        return metrics

    async def kpi_values(
        self,
        metric: str,
        start: date,
        end: date,
        *,
        grain: Grain = Grain.DAY,
        department: str | None = None,
    ) -> KpiSeries:
        params = {"from": start.isoformat(), "to": end.isoformat(), "grain": Grain(grain).value}
        if department:
            params["department"] = department
        series: KpiSeries = await self._get(
            f"/v1/kpis/{_segment(metric)}/values", codec.kpi_series, what=metric, params=params
        )
        return series


def _employee_page(r: codec.Reader) -> Page[Employee]:
    return codec.page(r, codec.employee)


def _approval_page(r: codec.Reader) -> Page[ApprovalItem]:
    return codec.page(r, codec.approval)


def _departments(r: codec.Reader) -> list[Department]:
    return [codec.department(x) for x in r.objs("items")]


def _kpi_catalogue(r: codec.Reader) -> list[KpiMetric]:
    return [codec.kpi_metric(x) for x in r.objs("items")]


if TYPE_CHECKING:
    _implements_the_port: ErpPort = HttpErpClient("")
