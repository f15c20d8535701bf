"""Microsoft Planner (Graph v1.0) as a TaskSource, with app-only msal tokens.

`GET /planner/plans/{id}/tasks` page by page via `@odata.nextLink` (followed exactly as given),
assignees' emails via `GET /users/{id}?$select=mail,userPrincipalName` (cached), completion via
`PATCH /planner/tasks/{id}` `{percentComplete: 100}` with `If-Match: <@odata.etag>` (required).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx
from loguru import logger

from adapters.groupware.graph_auth import DEFAULT_AUTHORITY, MsalTokenProvider, TokenProvider
from adapters.groupware.retry import RetryPolicy, json_of, send
from adapters.groupware.values import items, obj, parse_datetime, text
from adapters.tls import client_tls
from commands.errors import Conflict, NotFound, UpstreamUnavailable
from commands.ports.tasks import Task

SERVICE = "Microsoft Graph"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_TASK_URL = "https://tasks.office.com/{tenant_id}/Home/Task/{task_id}"
_MAX_PAGES = 10_000


class PlannerTaskSource:
    """Reads open, dated tasks of the configured plans; completes them with an If-Match PATCH."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        plan_ids: Iterable[str],
        *,
        graph_url: str = DEFAULT_GRAPH_URL,
        authority_url: str = DEFAULT_AUTHORITY,
        transport: httpx.AsyncBaseTransport | None = None,
        token_provider: TokenProvider | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        task_url_template: str = DEFAULT_TASK_URL,
        ca_bundle: str | None = None,
    ) -> None:
        self._tenant_id = tenant_id
        self._plan_ids = tuple(plan_ids)
        self._graph = graph_url.rstrip("/")
        self._origin = _origin(httpx.URL(self._graph))
        self._tokens: TokenProvider = token_provider or MsalTokenProvider(
            tenant_id,
            client_id,
            client_secret,
            authority_url=authority_url,
            ca_bundle=ca_bundle,
            timeout=timeout,
        )
        self._retry = retry or RetryPolicy()
        self._task_url = task_url_template
        self._emails: dict[str, str | None] = {}
        self._plan_titles: dict[str, str] = {}
        self._client = httpx.AsyncClient(
            timeout=timeout, transport=transport, headers={"Accept": "application/json"}, verify=client_tls()
        )

    @property
    def name(self) -> str:
        return "planner"

    @property
    def supports_complete(self) -> bool:
        return True

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> PlannerTaskSource:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def open_tasks(self, *, due_before: datetime | None = None) -> AsyncIterator[Task]:
        """Tasks below 100% with a due date in every configured plan, following every nextLink."""
        if due_before is not None and due_before.tzinfo is None:
            raise ValueError("due_before must be timezone-aware")
        for plan_id in self._plan_ids:
            plan_name = await self._plan_title(plan_id)
            url: str | None = f"{self._graph}/planner/plans/{plan_id}/tasks"
            for _ in range(_MAX_PAGES):
                if url is None:
                    break
                body = await self._json("GET", url)
                for item in items(body, "value"):
                    if not isinstance(item, Mapping):
                        continue
                    task = await self._task(item, plan_name)
                    if _is_due(task, due_before):
                        yield task
                url = self._next_link(body)

    async def get_task(self, project_id: str, task_id: str) -> Task | None:
        body = await self._maybe_json("GET", f"{self._graph}/planner/tasks/{task_id}")
        if body is None:
            return None
        return await self._task(body, await self._plan_title(text(body, "planId") or project_id))

    async def complete(self, task: Task) -> bool:
        url = f"{self._graph}/planner/tasks/{task.source_id}"
        for _ in range(2):  # a 412 means someone changed it since we read the etag: read once more
            current = await self._maybe_json("GET", url)
            if current is None:
                raise NotFound(f"Planner task {task.source_id} not found")
            etag = text(current, "@odata.etag")
            response = await self._send(
                "PATCH", url, json={"percentComplete": 100}, headers={"If-Match": etag}
            )
            if response.status_code in (200, 204):
                return True
            if response.status_code == 404:
                raise NotFound(f"Planner task {task.source_id} not found")
            if response.status_code != 412:
                status = response.status_code
                raise UpstreamUnavailable(SERVICE, f"PATCH planner task -> HTTP {status}", status=status)
        raise Conflict(f"Planner task {task.source_id} keeps changing")

    async def member_email(self, member_id: str) -> str | None:
        if member_id in self._emails:
            return self._emails[member_id]
        url = f"{self._graph}/users/{member_id}"
        try:
            body = await self._maybe_json("GET", url, params={"$select": "mail,userPrincipalName"})
        except UpstreamUnavailable as exc:
            if exc.status != 403:
                raise
            logger.warning(
                "Graph refused reading user {} (403: grant User.Read.All); no email for it", member_id
            )
            body = None
        email = (text(body, "mail") or text(body, "userPrincipalName") or None) if body else None
        self._emails[member_id] = email
        return email

    async def _plan_title(self, plan_id: str) -> str:
        if plan_id not in self._plan_titles:
            body = await self._maybe_json("GET", f"{self._graph}/planner/plans/{plan_id}")
            self._plan_titles[plan_id] = text(body, "title") if body else ""
        return self._plan_titles[plan_id]

    async def _task(self, item: Mapping[str, Any], plan_name: str) -> Task:
        assignments = obj(item, "assignments")
        user_ids = [uid for uid, value in assignments.items() if isinstance(value, Mapping)]
        emails = [email for uid in user_ids if (email := await self.member_email(uid))]
        task_id = text(item, "id")
        percent = item.get("percentComplete")
        return Task(
            source=self.name,
            source_id=task_id,
            project_id=text(item, "planId"),
            project_name=plan_name,
            title=text(item, "title"),
            url=self._task_url.format(tenant_id=self._tenant_id, task_id=task_id),
            due_at=parse_datetime(item.get("dueDateTime")),
            status="done" if isinstance(percent, int | float) and percent >= 100 else "open",
            assignee_emails=tuple(dict.fromkeys(emails)),
            assignee_ids=tuple(user_ids),
            updated_at=parse_datetime(item.get("lastModifiedDateTime")),
        )

    def _next_link(self, body: Mapping[str, Any]) -> str | None:
        link = text(body, "@odata.nextLink")
        if not link:
            return None
        if _origin(httpx.URL(link)) != self._origin:
            # the bearer token goes only to the configured Graph host
            raise UpstreamUnavailable(SERVICE, "nextLink points outside the Graph endpoint")
        return link

    async def _json(self, method: str, url: str) -> Mapping[str, Any]:
        body = await self._maybe_json(method, url)
        if body is None:
            raise UpstreamUnavailable(SERVICE, f"{method} {httpx.URL(url).path} -> HTTP 404", status=404)
        return body

    async def _maybe_json(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None
    ) -> Mapping[str, Any] | None:
        """The JSON object answered, or None for a 404."""
        response = await self._send(method, url, params=params)
        status = response.status_code
        if status == 404:
            return None
        if status >= 400:
            raise UpstreamUnavailable(
                SERVICE, f"{method} {response.request.url.path} -> HTTP {status}", status=status
            )
        body = json_of(response, SERVICE)
        if not isinstance(body, Mapping):
            raise UpstreamUnavailable(SERVICE, f"{method} {response.request.url.path}: not a JSON object")
        return body

    async def _send(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        invalidate = getattr(self._tokens, "invalidate", None)
        attempts = 2 if callable(invalidate) else 1
        for attempt in range(attempts):
            sent_headers = {**(headers or {}), "Authorization": f"Bearer {await self._tokens()}"}
            response = await send(
                self._client, method, url, service=SERVICE, policy=self._retry, headers=sent_headers, **kwargs
            )
            if response.status_code == 401 and attempt + 1 < attempts and callable(invalidate):
                invalidate()  # an expired or revoked token: ask the authority once more
                continue
            break
        return response


def _is_due(task: Task, due_before: datetime | None) -> bool:
    if task.status != "open" or task.due_at is None:
        return False
    return due_before is None or task.due_at < due_before


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port
