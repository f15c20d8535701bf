"""Dooray project webhooks: the `postDueDateChanged` event as a neutral DueDateChange.

A hook body looks like `{webhookType|hookEventType, tenant, project: {id, code}, source: {member},
post: {id, number, subject, dueDate, dueDateFlag, updatedAt, users: {from, to, cc}}}`. Anything else,
or anything malformed, gives None: the parser never raises on what arrives from outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.groupware.values import items, obj, parse_datetime, text
from commands.ports.tasks import DueDateChange

DUE_DATE_CHANGED = "postDueDateChanged"


def parse_dooray_webhook(body: object) -> DueDateChange | None:
    """The due-date change a Dooray hook reports, or None for other events and garbage."""
    try:
        return _parse(body)
    except Exception:  # outside input must never raise here
        return None


def post_assignees(post: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(member ids, email addresses) of a post's `users.to` (members, email users, groups)."""
    member_ids: list[str] = []
    emails: list[str] = []
    for entry in items(obj(post, "users"), "to"):
        member_id = text(obj(entry, "member"), "organizationMemberId")
        if member_id:
            member_ids.append(member_id)
        email = text(obj(entry, "emailUser"), "emailAddress")
        if email:
            emails.append(email)
        for member in items(obj(entry, "group"), "members"):
            if group_member := text(member, "organizationMemberId"):
                member_ids.append(group_member)
    return list(dict.fromkeys(member_ids)), list(dict.fromkeys(emails))


def _parse(body: object) -> DueDateChange | None:
    if not isinstance(body, Mapping):
        return None
    event = text(body, "hookEventType") or text(body, "webhookType")
    if event != DUE_DATE_CHANGED:
        return None
    post = obj(body, "post")
    project = obj(body, "project") or obj(post, "project")
    project_id = text(project, "id")
    post_id = text(post, "id") or text(body, "postId")
    number = _number(post)
    if not project_id or not (post_id or number is not None):
        return None
    raw_due = post.get("dueDate")
    due_at = parse_datetime(raw_due)
    if raw_due not in (None, "") and due_at is None:
        return None  # a due date we cannot read is no change we can act on
    if post.get("dueDateFlag") is False:
        due_at = None
    member = obj(obj(body, "source"), "member")
    return DueDateChange(
        source="dooray",
        project_id=project_id,
        task_id=post_id,
        title=text(post, "subject"),
        due_at=due_at,
        project_name=text(project, "code"),
        task_number=number,
        assignee_ids=tuple(post_assignees(post)[0]),
        changed_by_id=text(member, "id") or text(member, "organizationMemberId"),
        changed_by_email=text(member, "emailAddress"),
        occurred_at=parse_datetime(post.get("updatedAt")),
    )


def _number(post: Mapping[str, Any]) -> int | None:
    value = post.get("number")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    tail = text(post, "taskNumber").rpartition("/")[2]
    return int(tail) if tail.isdigit() else None
