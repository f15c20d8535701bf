"""Outgoing project webhooks of the demo groupware, shaped like Dooray's (`hookEventType`, `post`...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp
from loguru import logger

DEMO_TENANT_ID = "3918200000000000001"


def due_date_changed_payload(post: dict[str, Any], source_member: dict[str, Any] | None) -> dict[str, Any]:
    """A `postDueDateChanged` hook body for `post` (a post as the API renders it)."""
    source: dict[str, Any] = {"type": "member", "member": {}}
    if source_member:
        source["member"] = {
            "id": source_member.get("id", ""),
            "name": source_member.get("name", ""),
            "userCode": source_member.get("userCode", ""),
            "emailAddress": source_member.get("externalEmailAddress", ""),
        }
    hook_post = {key: post.get(key) for key in (
        "id", "number", "subject", "taskNumber", "createdAt", "updatedAt", "dueDate", "dueDateFlag",
        "priority", "workflowClass", "workflow", "users",
    )}  # fmt: skip
    return {
        "webhookType": "postDueDateChanged",
        "hookEventType": "postDueDateChanged",
        "version": 2,
        "tenant": {"id": DEMO_TENANT_ID},
        "project": post.get("project", {}),
        "source": source,
        "post": hook_post,
    }


async def deliver(session: aiohttp.ClientSession, urls: Iterable[str], payload: dict[str, Any]) -> int:
    """POST the payload to every url; returns how many answered 2xx. Failures are logged, not raised."""
    delivered = 0
    for url in dict.fromkeys(urls):
        try:
            async with session.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=5)) as response:
                if 200 <= response.status < 300:
                    delivered += 1
                else:
                    logger.warning("demo webhook to {} answered HTTP {}", url, response.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            logger.warning("demo webhook to {} failed: {}", url, type(exc).__name__)
    return delivered
