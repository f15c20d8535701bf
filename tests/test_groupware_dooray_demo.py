"""The real Dooray client against the demo groupware over loopback HTTP."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest

from adapters.groupware.dooray import parse_dooray_webhook
from commands.errors import NotFound, UpstreamUnavailable
from commands.ports.tasks import Task
from tests.fixtures.groupware import (
    GROUPWARE_TODAY,
    CapturedLogs,
    DemoGroupware,
    WebhookReceiver,
    start_demo_groupware,
)

SEOUL = ZoneInfo("Asia/Seoul")
OPEN_DATED = """
    SELECT p.id FROM posts p JOIN workflows w ON w.id = p.workflow_id
    WHERE w.class != 'closed' AND p.due_date_flag = 1 AND p.project_id = ?
"""


def _api(demo: DemoGroupware) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=demo.base_url, headers={"Authorization": f"dooray-api {demo.token}"})


async def test_open_tasks_follow_pagination_to_the_end(groupware_demo: DemoGroupware) -> None:
    async with groupware_demo.source(page_size=7) as source:
        tasks = [task async for task in source.open_tasks()]

    expected: set[str] = set()
    for project_id in groupware_demo.project_ids().values():
        ids = {row[0] for row in groupware_demo.query(OPEN_DATED, (project_id,))}
        expected |= ids
        pages = [
            parse_qs(query)
            for method, path, query in groupware_demo.requests
            if method == "GET" and path == f"/project/v1/projects/{project_id}/posts"
        ]
        assert [int(p["page"][0]) for p in pages] == list(range(math.ceil(len(ids) / 7)))
        assert all(
            p["size"] == ["7"] and p["postWorkflowClasses"] == ["backlog,registered,working"] for p in pages
        )
    assert len(tasks) == len(expected) > 14  # several pages per project
    assert {t.source_id for t in tasks} == expected
    assert all(t.status == "open" and t.due_at is not None and t.due_at.tzinfo is not None for t in tasks)
    assert {t.project_name for t in tasks} == {"2026-하반기-신제품-출시", "ERP-고도화", "연말-결산"}


async def test_tasks_carry_assignee_emails_links_and_refs(groupware_demo: DemoGroupware) -> None:
    async with groupware_demo.source() as source:
        tasks = [task async for task in source.open_tasks()]
    members = dict(groupware_demo.query("SELECT id, email FROM members"))
    for task in tasks:
        rows = groupware_demo.query("SELECT member_id FROM post_to WHERE post_id = ?", (task.source_id,))
        assert set(task.assignee_ids) == {r[0] for r in rows}
        assert set(task.assignee_emails) == {members[r[0]] for r in rows}
        assert task.url == f"{groupware_demo.base_url}/task/{task.project_id}/{task.source_id}"
        assert task.ref.startswith(f"{task.project_name}/")
    # each member was looked up once, however many tasks they have
    member_lookups = [p for m, p, _ in groupware_demo.requests if p.startswith("/common/v1/members/")]
    assert sorted(member_lookups) == sorted(set(member_lookups))


async def test_due_before_is_sent_as_dooray_range_and_applied(groupware_demo: DemoGroupware) -> None:
    cutoff = datetime.combine(GROUPWARE_TODAY + timedelta(days=2), datetime.min.time(), SEOUL)
    async with groupware_demo.source() as source:
        tasks = [task async for task in source.open_tasks(due_before=cutoff)]

    expected = {
        row[0]
        for project_id in groupware_demo.project_ids().values()
        for row in groupware_demo.query(
            OPEN_DATED + " AND p.due_ts < ?", (project_id, int(cutoff.timestamp()))
        )
    }
    assert {t.source_id for t in tasks} == expected
    assert all(t.due_at is not None and t.due_at < cutoff for t in tasks)
    due_tomorrow = [
        t for t in tasks if t.due_at and t.due_at.astimezone(SEOUL).date() == GROUPWARE_TODAY + timedelta(1)
    ]
    overdue = [t for t in tasks if t.due_at and t.due_at.astimezone(SEOUL).date() < GROUPWARE_TODAY]
    assert len(due_tomorrow) >= 3 and len(overdue) >= 3
    queries = [parse_qs(q) for m, p, q in groupware_demo.requests if p.endswith("/posts")]
    assert all(q["dueAt"] == [f"2000-01-01T00:00:00+00:00~{cutoff.isoformat()}"] for q in queries)


async def test_list_filters_of_the_demo(groupware_demo: DemoGroupware) -> None:
    project_id = groupware_demo.project_ids()["ERP-고도화"]
    member_id = groupware_demo.query("SELECT member_id FROM post_to LIMIT 1")[0][0]
    async with _api(groupware_demo) as api:
        mine = (
            await api.get(f"/project/v1/projects/{project_id}/posts", params={"toMemberIds": member_id})
        ).json()
        closed = (
            await api.get(
                f"/project/v1/projects/{project_id}/posts", params={"postWorkflowClasses": "closed"}
            )
        ).json()
        soon = (
            await api.get(
                f"/project/v1/projects/{project_id}/posts",
                params={"dueAt": "next-3d", "order": "postDueAt", "size": 100},
            )
        ).json()
        bad = await api.get(f"/project/v1/projects/{project_id}/posts", params={"dueAt": "someday"})

    assert mine["header"]["isSuccessful"] is True
    assert mine["result"] and all(
        member_id in [u["member"]["organizationMemberId"] for u in post["users"]["to"]]
        for post in mine["result"]
    )
    assert closed["totalCount"] == len(closed["result"]) > 0
    assert all(post["workflowClass"] == "closed" and post["closed"] for post in closed["result"])
    now = groupware_demo.clock.now()
    dues = [datetime.fromisoformat(post["dueDate"]) for post in soon["result"]]
    assert dues == sorted(dues) and all(now <= d <= now + timedelta(days=3) for d in dues)
    assert bad.status_code == 400 and bad.json()["header"]["isSuccessful"] is False


async def test_complete_writes_back_and_survives_a_restart(
    groupware_demo: DemoGroupware, tmp_path: object
) -> None:
    async with groupware_demo.source() as source:
        tasks = [t async for t in source.open_tasks()]
        task = tasks[0]
        assert await source.complete(task) is True
        done = await source.get_task(task.project_id, task.source_id)
        remaining = {t.source_id async for t in source.open_tasks()}
    assert done is not None and done.status == "done" and done.title == task.title
    assert task.source_id not in remaining
    assert ("POST", f"/project/v1/projects/{task.project_id}/posts/{task.source_id}/set-done", "") in (
        groupware_demo.requests
    )

    server, again = await start_demo_groupware(groupware_demo.db_path)  # a new service on the same file
    try:
        async with again.source() as source:
            reread = await source.get_task(task.project_id, task.source_id)
    finally:
        await server.close()
    assert reread is not None and reread.status == "done"


async def test_set_workflow_moves_post_and_assignees(groupware_demo: DemoGroupware) -> None:
    project_id = groupware_demo.project_ids()["연말-결산"]
    post_id = groupware_demo.query("SELECT id FROM posts WHERE project_id = ? AND number = 1", (project_id,))[
        0
    ][0]
    async with _api(groupware_demo) as api:
        flows = (await api.get(f"/project/v1/projects/{project_id}/workflows")).json()["result"]
        working = next(f["id"] for f in flows if f["class"] == "working")
        moved = await api.post(
            f"/project/v1/projects/{project_id}/posts/{post_id}/set-workflow", json={"workflowId": working}
        )
        post = (await api.get(f"/project/v1/projects/{project_id}/posts/{post_id}")).json()["result"]
        foreign = await api.post(
            f"/project/v1/projects/{project_id}/posts/{post_id}/set-workflow", json={"workflowId": "nope"}
        )
    assert moved.json()["header"]["isSuccessful"] is True
    assert post["workflowClass"] == "working" and all(
        u["workflow"]["id"] == working for u in post["users"]["to"]
    )
    assert foreign.status_code == 400


async def test_wrong_token_is_refused_and_mapped(
    groupware_demo: DemoGroupware, groupware_logs: CapturedLogs
) -> None:
    async with groupware_demo.source(token="not-the-token-123") as source:
        with pytest.raises(UpstreamUnavailable) as caught:
            _ = [t async for t in source.open_tasks()]
    assert caught.value.service == "Dooray" and caught.value.status == 401
    for secret in ("not-the-token-123", groupware_demo.token):
        assert secret not in str(caught.value) and secret not in groupware_logs.text()


async def test_lookups_of_unknown_things(groupware_demo: DemoGroupware) -> None:
    project_id = groupware_demo.project_ids()["ERP-고도화"]
    async with groupware_demo.source() as source:
        assert await source.member_email("3918200000000000103") == "jihoon.park@hanbit.example"
        assert await source.member_email("999") is None
        assert await source.get_task(project_id, "123") is None
        other_project = groupware_demo.project_ids()["연말-결산"]
        foreign_post = groupware_demo.query("SELECT id FROM posts WHERE project_id = ?", (other_project,))[0][
            0
        ]
        assert await source.get_task(project_id, foreign_post) is None
        ghost = Task("dooray", "123", project_id, "ERP-고도화", "없는 업무", "", None)
        with pytest.raises(NotFound):
            await source.complete(ghost)


async def test_due_date_change_fires_a_dooray_webhook(
    groupware_demo: DemoGroupware, groupware_webhook_receiver: WebhookReceiver
) -> None:
    project_id = groupware_demo.project_ids()["2026-하반기-신제품-출시"]
    post_id, member_id = groupware_demo.query(
        "SELECT p.id, t.member_id FROM posts p JOIN post_to t ON t.post_id = p.id WHERE p.project_id = ?",
        (project_id,),
    )[0]
    new_due = datetime(2026, 9, 15, 18, 0, tzinfo=SEOUL)
    async with _api(groupware_demo) as api:
        hook = await api.post(
            f"/project/v1/projects/{project_id}/hooks",
            json={
                "url": groupware_webhook_receiver.url,
                "type": "task",
                "sendEvents": ["postDueDateChanged"],
            },
        )
        changed = await api.post(
            f"/admin/v1/projects/{project_id}/posts/{post_id}/due-date",
            json={"dueDate": new_due.isoformat(), "sourceMemberId": "3918200000000000101"},
        )
    assert hook.json()["result"]["id"]
    assert changed.json()["result"]["webhooksDelivered"] == 1
    [body] = groupware_webhook_receiver.bodies
    change = parse_dooray_webhook(body)
    assert change is not None
    assert (change.project_id, change.task_id, change.due_at) == (project_id, post_id, new_due)
    assert member_id in change.assignee_ids
    assert change.changed_by_email == "minjun.kim@hanbit.example"
    async with groupware_demo.source() as source:
        task = await source.get_task(project_id, post_id)
    assert task is not None and task.due_at == new_due


async def test_configured_webhook_url_gets_due_date_removals(
    groupware_demo: DemoGroupware, groupware_webhook_receiver: WebhookReceiver
) -> None:
    server, demo = await start_demo_groupware(
        groupware_demo.db_path, webhook_url=groupware_webhook_receiver.url
    )
    try:
        project_id = demo.project_ids()["연말-결산"]
        post_id = demo.query(
            "SELECT id FROM posts WHERE project_id = ? AND due_ts IS NOT NULL", (project_id,)
        )[0][0]
        async with _api(demo) as api:
            await api.post(
                f"/admin/v1/projects/{project_id}/posts/{post_id}/due-date", json={"dueDate": None}
            )
    finally:
        await server.close()
    change = parse_dooray_webhook(groupware_webhook_receiver.bodies[0])
    assert change is not None and change.task_id == post_id and change.due_at is None


async def test_task_link_opens_in_the_demo(groupware_demo: DemoGroupware) -> None:
    async with groupware_demo.source() as source:
        tasks = [t async for t in source.open_tasks()]
        task = tasks[0]
    async with httpx.AsyncClient() as client:
        page = await client.get(task.url)
    assert page.status_code == 200 and task.title in page.text
