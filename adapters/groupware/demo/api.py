"""The demo groupware's routes: the subset of Dooray's REST API the bot uses, plus two admin routes."""

from __future__ import annotations

import asyncio
import html
from datetime import date
from typing import Any

from aiohttp import web

from adapters.groupware.demo.envelope import CLOCK, DB_PATH, SESSION, STORE, WEBHOOK_URL, fail, ok
from adapters.groupware.demo.filters import ORDERS, PostQuery, date_range, id_list
from adapters.groupware.demo.hooks import deliver, due_date_changed_payload
from adapters.groupware.demo.seed import reseed
from adapters.groupware.values import parse_datetime

MAX_SIZE = 100
routes = web.RouteTableDef()


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_routes(routes)


@routes.get("/project/v1/projects")
async def list_projects(request: web.Request) -> web.Response:
    projects = await request.app[STORE].projects()
    return ok(projects, total=len(projects))


@routes.get("/project/v1/projects/{project_id}")
async def get_project(request: web.Request) -> web.Response:
    found = await request.app[STORE].projects(request.match_info["project_id"])
    return ok(found[0]) if found else fail(404, "프로젝트를 찾을 수 없습니다.")


@routes.get("/project/v1/projects/{project_id}/workflows")
async def list_workflows(request: web.Request) -> web.Response:
    flows = await request.app[STORE].workflows(request.match_info["project_id"])
    return ok(flows, total=len(flows)) if flows else fail(404, "프로젝트를 찾을 수 없습니다.")


@routes.get("/project/v1/projects/{project_id}/posts")
async def list_posts(request: web.Request) -> web.Response:
    try:
        query = _post_query(request)
    except ValueError as exc:
        return fail(400, f"잘못된 요청입니다: {exc}")
    posts, total = await request.app[STORE].list_posts(request.match_info["project_id"], query)
    return ok(posts, total=total)


@routes.get("/project/v1/projects/{project_id}/posts/{post_id}")
async def get_post(request: web.Request) -> web.Response:
    post = await request.app[STORE].post(request.match_info["post_id"], request.match_info["project_id"])
    return ok(post) if post else fail(404, "업무를 찾을 수 없습니다.")


@routes.get("/project/v1/posts/{post_id}")
async def get_post_anywhere(request: web.Request) -> web.Response:
    post = await request.app[STORE].post(request.match_info["post_id"])
    return ok(post) if post else fail(404, "업무를 찾을 수 없습니다.")


@routes.post("/project/v1/projects/{project_id}/posts/{post_id}/set-workflow")
async def set_workflow(request: web.Request) -> web.Response:
    body = await _json(request)
    workflow_id = body.get("workflowId") if isinstance(body, dict) else None
    if not isinstance(workflow_id, str) or not workflow_id:
        return fail(400, "workflowId 가 필요합니다.")
    return await _move(request, workflow_id)


@routes.post("/project/v1/projects/{project_id}/posts/{post_id}/set-done")
async def set_done(request: web.Request) -> web.Response:
    closed = await request.app[STORE].closed_workflow(request.match_info["project_id"])
    return await _move(request, closed) if closed else fail(404, "프로젝트를 찾을 수 없습니다.")


@routes.post("/project/v1/projects/{project_id}/hooks")
async def add_hook(request: web.Request) -> web.Response:
    body = await _json(request)
    url, events = (body.get("url"), body.get("sendEvents")) if isinstance(body, dict) else (None, None)
    if (
        not isinstance(url, str)
        or not url.startswith(("http://", "https://"))
        or not isinstance(events, list)
    ):
        return fail(400, "url 과 sendEvents 가 필요합니다.")
    project_id = request.match_info["project_id"]
    if not await request.app[STORE].projects(project_id):
        return fail(404, "프로젝트를 찾을 수 없습니다.")
    hook_id = await request.app[STORE].add_hook(project_id, url, [str(e) for e in events])
    return ok({"id": hook_id})


@routes.get("/common/v1/members")
async def search_members(request: web.Request) -> web.Response:
    emails = id_list(request.query.get("externalEmailAddresses"))
    if not emails:
        return fail(400, "externalEmailAddresses 가 필요합니다.")
    members = await request.app[STORE].members_by_email(emails)
    return ok(members, total=len(members))


@routes.get("/common/v1/members/{member_id}")
async def get_member(request: web.Request) -> web.Response:
    member = await request.app[STORE].member(request.match_info["member_id"])
    return ok(member) if member else fail(404, "멤버를 찾을 수 없습니다.")


@routes.post("/admin/v1/projects/{project_id}/posts/{post_id}/due-date")
async def change_due_date(request: web.Request) -> web.Response:
    """Demo admin: set (or clear, with null) a post's due date and fire `postDueDateChanged` hooks."""
    body = await _json(request)
    if not isinstance(body, dict) or "dueDate" not in body:
        return fail(400, "dueDate 가 필요합니다. (ISO 8601 또는 null)")
    due = parse_datetime(body["dueDate"])
    if body["dueDate"] is not None and due is None:
        return fail(400, "dueDate 형식이 올바르지 않습니다.")
    store, project_id, post_id = (
        request.app[STORE],
        request.match_info["project_id"],
        request.match_info["post_id"],
    )
    if not await store.set_due(project_id, post_id, due, request.app[CLOCK].now()):
        return fail(404, "업무를 찾을 수 없습니다.")
    post = await store.post(post_id, project_id)
    assert post is not None
    source = body.get("sourceMemberId")
    member = await store.member(source) if isinstance(source, str) else None
    urls = await store.hook_urls(project_id, "postDueDateChanged")
    if request.app[WEBHOOK_URL]:
        urls.append(request.app[WEBHOOK_URL])
    sent = await deliver(request.app[SESSION], urls, due_date_changed_payload(post, member))
    return ok({"post": post, "webhooksDelivered": sent})


@routes.post("/admin/v1/reseed")
async def reseed_demo(request: web.Request) -> web.Response:
    """Demo admin: reseed with fresh due dates around `today` (body `{"today": "YYYY-MM-DD"}` optional)."""
    body = await _json(request)
    raw = body.get("today") if isinstance(body, dict) else None
    try:
        today = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return fail(400, "today 형식이 올바르지 않습니다. (YYYY-MM-DD)")
    await asyncio.to_thread(reseed, request.app[DB_PATH], today=today)
    return ok(None)


@routes.get("/task/{project_id}/{post_id}")
async def task_page(request: web.Request) -> web.Response:
    """What a task link opens in demo mode: a plain page with the task."""
    post = await request.app[STORE].post(request.match_info["post_id"], request.match_info["project_id"])
    if post is None:
        raise web.HTTPNotFound(text="업무를 찾을 수 없습니다.")
    people = ", ".join(t["member"]["name"] for t in post["users"]["to"])
    rows = [("프로젝트", post["project"]["code"]), ("담당자", people), ("만기일", post["dueDate"] or "-"),
            ("상태", post["workflow"]["name"])]  # fmt: skip
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    title = html.escape(f"{post['taskNumber']} {post['subject']}")
    page = (
        f'<!doctype html><html lang="ko"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1><table>{cells}</table></html>"
    )
    return web.Response(text=page, content_type="text/html")


async def _move(request: web.Request, workflow_id: str) -> web.Response:
    store = request.app[STORE]
    project_id, post_id = request.match_info["project_id"], request.match_info["post_id"]
    if await store.post(post_id, project_id) is None:
        return fail(404, "업무를 찾을 수 없습니다.")
    if not await store.set_workflow(project_id, post_id, workflow_id, request.app[CLOCK].now()):
        return fail(400, "프로젝트에 없는 업무 상태입니다.")
    return ok(None)


def _post_query(request: web.Request) -> PostQuery:
    q = request.query
    now = request.app[CLOCK].now().astimezone(request.app[STORE].tz)
    page, size = int(q.get("page", "0")), min(MAX_SIZE, int(q.get("size", "20")))
    order = q.get("order", "-createdAt")
    if page < 0 or size < 1 or order not in ORDERS:
        raise ValueError("page/size/order")
    spans: dict[str, tuple[int, int] | None] = {}
    for name in ("dueAt", "createdAt", "updatedAt"):
        spans[name] = date_range(q[name], now) if q.get(name) else None
    number = q.get("postNumber")
    return PostQuery(
        to_member_ids=id_list(q.get("toMemberIds")),
        from_member_ids=id_list(q.get("fromMemberIds")),
        workflow_classes=id_list(q.get("postWorkflowClasses")),
        workflow_ids=id_list(q.get("postWorkflowIds")),
        post_number=int(number) if number else None,
        subject=q.get("subjects", ""),
        due=spans["dueAt"],
        created=spans["createdAt"],
        updated=spans["updatedAt"],
        order=order,
        page=page,
        size=size,
    )


async def _json(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except ValueError:
        return None
