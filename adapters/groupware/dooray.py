"""NHN Dooray project posts as a TaskSource (REST API: `Authorization: dooray-api {token}`).

Tasks are project posts: `GET /project/v1/projects/{id}/posts` (page from 0, size <= 100, filters
`postWorkflowClasses`, `dueAt`, `toMemberIds`, ...), one post `GET .../posts/{post-id}`, done via
`POST .../posts/{post-id}/set-done`, member emails via `GET /common/v1/members/{member-id}`.
Every answer is `{header: {isSuccessful, resultCode, resultMessage}, result, totalCount?}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx
from loguru import logger

from adapters.groupware.dooray_webhook import parse_dooray_webhook, post_assignees
from adapters.groupware.retry import RetryPolicy, json_of, send
from adapters.groupware.values import items, obj, parse_datetime, text
from adapters.tls import client_tls
from commands.errors import NotFound, UpstreamUnavailable
from commands.ports.tasks import Task

__all__ = ["DEFAULT_BASE_URL", "DoorayTaskSource", "parse_dooray_webhook", "post_assignees"]

SERVICE = "Dooray"
DEFAULT_BASE_URL = "https://api.dooray.com"
OPEN_WORKFLOW_CLASSES = ("backlog", "registered", "working")
MAX_PAGE_SIZE = 100
_EARLIEST_DUE = "2000-01-01T00:00:00+00:00"
_MAX_PAGES = 10_000


class DoorayTaskSource:
    """Reads open, dated posts of the configured projects; completes them with set-done."""

    def __init__(
        self,
        base_url: str,
        token: str,
        project_ids: Iterable[str],
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        page_size: int = MAX_PAGE_SIZE,
        web_url: str = "",
        retry: RetryPolicy | None = None,
        resolve_emails: bool = True,
    ) -> None:
        self._project_ids = tuple(project_ids)
        self._page_size = max(1, min(MAX_PAGE_SIZE, page_size))
        self._web_url = (web_url or base_url).rstrip("/")
        self._retry = retry or RetryPolicy()
        self._resolve_emails = resolve_emails
        self._emails: dict[str, str | None] = {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"dooray-api {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            verify=client_tls(),
        )

    @property
    def name(self) -> str:
        return "dooray"

    @property
    def supports_complete(self) -> bool:
        return True

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> DoorayTaskSource:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def open_tasks(self, *, due_before: datetime | None = None) -> AsyncIterator[Task]:
        """Open posts with a due date in every configured project, page by page to the end."""
        if due_before is not None and due_before.tzinfo is None:
            raise ValueError("due_before must be timezone-aware")
        params: dict[str, Any] = {
            "postWorkflowClasses": ",".join(OPEN_WORKFLOW_CLASSES),
            "order": "postDueAt",
        }
        if due_before is not None:
            params["dueAt"] = f"{_EARLIEST_DUE}~{due_before.isoformat(timespec='seconds')}"
        for project_id in self._project_ids:
            async for post in self._posts(project_id, params):
                task = await self._task(post, project_id)
                if task.status != "open" or task.due_at is None:
                    continue
                if due_before is not None and task.due_at >= due_before:
                    continue
                yield task

    async def get_task(self, project_id: str, task_id: str) -> Task | None:
        path = f"/project/v1/projects/{project_id}/posts/{task_id}"
        body = await self._request("GET", path, allow_404=True)
        if body is None:
            return None
        post = obj(body, "result")
        if not post:
            return None
        return await self._task(post, project_id)

    async def complete(self, task: Task) -> bool:
        path = f"/project/v1/projects/{task.project_id}/posts/{task.source_id}/set-done"
        if await self._request("POST", path, allow_404=True) is None:
            raise NotFound(f"Dooray post {task.source_id} not found")
        return True

    async def member_email(self, member_id: str) -> str | None:
        if member_id in self._emails:
            return self._emails[member_id]
        try:
            body = await self._request("GET", f"/common/v1/members/{member_id}", allow_404=True)
        except UpstreamUnavailable as exc:
            if exc.status != 403:
                raise
            logger.warning(
                "Dooray refused the lookup of member {} (403); listing it without email", member_id
            )
            body = None
        member = obj(body, "result")
        email = text(member, "externalEmailAddress") or text(member, "emailAddress") or None
        self._emails[member_id] = email
        return email

    async def _posts(self, project_id: str, params: Mapping[str, Any]) -> AsyncIterator[Mapping[str, Any]]:
        seen = 0
        for page in range(_MAX_PAGES):
            body = await self._request(
                "GET",
                f"/project/v1/projects/{project_id}/posts",
                params={**params, "page": page, "size": self._page_size},
            )
            posts = [p for p in items(body, "result") if isinstance(p, Mapping)]
            for post in posts:
                yield post
            seen += len(posts)
            total = body.get("totalCount") if isinstance(body, Mapping) else None
            if not posts or len(posts) < self._page_size:
                return
            if isinstance(total, int) and seen >= total:
                return

    async def _task(self, post: Mapping[str, Any], project_id: str) -> Task:
        project = obj(post, "project")
        member_ids, emails = post_assignees(post)
        if self._resolve_emails:
            for member_id in member_ids:
                email = await self.member_email(member_id)
                if email and email not in emails:
                    emails.append(email)
        post_id = text(post, "id")
        project_id = text(project, "id") or project_id
        due_at = parse_datetime(post.get("dueDate")) if post.get("dueDateFlag", True) is not False else None
        closed = text(post, "workflowClass") == "closed" or post.get("closed") is True
        return Task(
            source=self.name,
            source_id=post_id,
            project_id=project_id,
            project_name=text(project, "code"),
            title=text(post, "subject"),
            url=f"{self._web_url}/task/{project_id}/{post_id}",
            due_at=due_at,
            status="done" if closed else "open",
            assignee_emails=tuple(emails),
            assignee_ids=tuple(member_ids),
            updated_at=parse_datetime(post.get("updatedAt")),
            ref=text(post, "taskNumber"),
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        allow_404: bool = False,
    ) -> Mapping[str, Any] | None:
        response = await send(self._client, method, path, service=SERVICE, policy=self._retry, params=params)
        status = response.status_code
        if status == 404 and allow_404:
            return None
        if status >= 400:
            detail = f"{method} {path} -> HTTP {status}{_code(obj(_json_or_none(response), 'header'))}"
            raise UpstreamUnavailable(SERVICE, detail, status=status)
        body = json_of(response, SERVICE)
        header = obj(body, "header")
        if not isinstance(body, Mapping) or not header:
            raise UpstreamUnavailable(SERVICE, f"{method} {path}: no response header", status=status)
        if header.get("isSuccessful") is not True:
            detail = f"{method} {path}: not successful{_code(header)}"
            raise UpstreamUnavailable(SERVICE, detail, status=status)
        return body


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(header: Mapping[str, Any]) -> str:
    code = header.get("resultCode")
    return f" (resultCode {code})" if isinstance(code, int) else ""
