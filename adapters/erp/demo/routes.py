"""The demo ERP's handlers: parse and validate the request, run the query off the loop, answer JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.erp.demo import kpi, repo_approvals, repo_org
from adapters.erp.demo.common import Problem, now_stamp, number, stamp, today
from adapters.erp.demo.repo_approvals import NewItem
from adapters.erp.demo.state import dumps, state

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"  # served as the published contract
STATUSES = frozenset({"pending", "approved", "rejected", "on_hold", "withdrawn"})
ACTIONS = frozenset({"approve", "reject", "hold"})
GRAINS = frozenset({"day", "week", "month"})


def ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


def bad(detail: str) -> Problem:
    return Problem(400, "invalid_request", detail)


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise bad("limit must be 1..200")
    return int(raw)


def _date(raw: Any, name: str, status: int = 400) -> date:
    """A date from the query (400) or from a body (status=422)."""
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise Problem(status, "invalid_request", f"{name} must be a date (YYYY-MM-DD)") from exc


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json(loads=lambda text: json.loads(text, parse_float=Decimal))
    except ValueError as exc:
        raise bad("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise bad("the body must be an object")
    return body


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Problem(422, "invalid_request", f"{key} must be a non-empty string")
    return value


async def health(request: web.Request) -> web.Response:
    return ok({"status": "ok"})


async def contract(request: web.Request) -> web.FileResponse:
    return web.FileResponse(CONTRACT, headers={"Content-Type": "application/yaml"})


async def list_employees(request: web.Request) -> web.Response:
    q = request.query
    limit = _limit(request)
    filters = {k: q.get(k) for k in ("email", "employee_no", "department")}
    return ok(
        await state(request).db.read(
            lambda c: repo_org.list_employees(c, limit=limit, cursor=q.get("cursor"), **filters)
        )
    )


async def get_employee(request: web.Request) -> web.Response:
    no = request.match_info["employee_no"]
    return ok(await state(request).db.read(lambda c: repo_org.get_employee(c, no)))


async def set_absence(request: web.Request) -> web.Response:
    no, body = request.match_info["employee_no"], await _json(request)
    start, end = _date(body.get("from"), "from", 422), _date(body.get("to"), "to", 422)
    acting = _text(body, "acting_employee_no") or ""
    return ok(await state(request).db.write(lambda c: repo_org.set_absence(c, no, (start, end, acting))))


async def clear_absence(request: web.Request) -> web.Response:
    no = request.match_info["employee_no"]
    return ok(await state(request).db.write(lambda c: repo_org.set_absence(c, no, None)))


async def departments(request: web.Request) -> web.Response:
    return ok(await state(request).db.read(repo_org.departments))


async def list_approvals(request: web.Request) -> web.Response:
    demo, q = state(request), request.query
    limit, status, since = _limit(request), q.get("status"), q.get("updated_since")
    if status is not None and status not in STATUSES:
        raise bad(f"unknown status {status!r}")
    if since is not None:
        try:
            moment = datetime.fromisoformat(since.replace(" ", "+"))
        except ValueError as exc:
            raise bad("updated_since must be an RFC 3339 time") from exc
        if moment.tzinfo is None:
            raise bad("updated_since needs an offset")
        since = stamp(moment)
    filters = {"approver": q.get("approver"), "status": status, "updated_since": since}
    day, cursor = today(demo.clock), q.get("cursor")
    return ok(
        await demo.db.read(
            lambda c: repo_approvals.list_items(c, today=day, limit=limit, cursor=cursor, **filters)
        )
    )


async def get_approval(request: web.Request) -> web.Response:
    item_id = request.match_info["item_id"]
    return ok(await state(request).db.read(lambda c: repo_approvals.get_item(c, item_id)))


def _decision(body: dict[str, Any]) -> dict[str, Any]:
    action, version = body.get("action"), body.get("expected_version")
    if action not in ACTIONS:
        raise Problem(422, "invalid_request", "action must be approve, reject or hold")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Problem(422, "invalid_request", "expected_version must be an integer")
    comment = body.get("comment") or ""
    if not isinstance(comment, str):
        raise Problem(422, "invalid_request", "comment must be a string")
    return {
        "action": action,
        "actor_employee_no": _text(body, "actor_employee_no"),
        "comment": comment,
        "expected_version": version,
        "on_behalf_of": _text(body, "on_behalf_of", required=False),
    }


async def decide(request: web.Request) -> web.Response:
    demo, item_id = state(request), request.match_info["item_id"]
    key = request.headers.get("Idempotency-Key", "")
    if not 8 <= len(key) <= 200:
        raise Problem(
            400, "idempotency_key_required", "an Idempotency-Key header of 8..200 characters is required"
        )
    decision = _decision(await _json(request))
    fingerprint = hashlib.sha256(dumps([item_id, decision], sort_keys=True).encode()).hexdigest()
    now, day = now_stamp(demo.clock), today(demo.clock)
    item, replayed = await demo.db.write(
        lambda c: repo_approvals.decide(
            c, item_id, key=key, fingerprint=fingerprint, request=decision, now=now, today=day
        )
    )
    if not replayed:
        demo.webhooks.notify("approval.updated", item_id, item["version"])
    return ok(item)


def _line(line: dict[str, Any]) -> tuple[dict[str, Any], Decimal]:
    quantity, price = Decimal(str(line["quantity"])), Decimal(str(line["unit_price"]))
    amount = Decimal(str(line.get("amount", quantity * price)))
    described = {"description": str(line["description"]), "quantity": number(quantity)}
    return {**described, "unit_price": number(price), "amount": number(amount)}, amount


def _new_item(body: dict[str, Any]) -> NewItem:
    try:
        lines = [_line(x) for x in body.get("lines") or []]
        attachments = [{"name": str(a["name"]), "url": str(a["url"])} for a in body.get("attachments") or []]
        amount = None if body.get("amount") is None else Decimal(str(body["amount"]))
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise Problem(422, "invalid_request", "bad lines, attachments or amount") from exc
    if amount is None and lines:
        amount = sum((total for _, total in lines), Decimal(0))
    due = body.get("due_date")
    return NewItem(
        type=_text(body, "type") or "",
        title=_text(body, "title") or "",
        requester_no=_text(body, "requester_employee_no") or "",
        amount=amount,
        currency=str(body.get("currency") or "KRW"),
        lines=[row for row, _ in lines],
        due_date=None if due is None else _date(due, "due_date", 422),
        attachments=attachments,
    )


async def create_approval(request: web.Request) -> web.Response:
    demo = state(request)
    new, now = _new_item(await _json(request)), now_stamp(demo.clock)
    item = await demo.db.write(lambda c: repo_approvals.create(c, new, now=now))
    demo.webhooks.notify("approval.created", item["id"], item["version"])
    return ok(item, status=201)


async def kpi_catalogue(request: web.Request) -> web.Response:
    return ok(await state(request).db.read(kpi.catalogue))


async def kpi_values(request: web.Request) -> web.Response:
    q, metric = request.query, request.match_info["metric"]
    start, end = _date(q.get("from"), "from"), _date(q.get("to"), "to")
    grain, department = q.get("grain", "day"), q.get("department") or None
    if grain not in GRAINS:
        raise bad("grain must be day, week or month")
    if not 0 <= (end - start).days <= 1100:
        raise bad("from must not be after to, and the range at most about 3 years")
    return ok(await state(request).db.read(lambda c: kpi.values(c, metric, start, end, grain, department)))


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/healthz", health, name="public:health")
    router.add_get("/openapi.yaml", contract, name="public:contract")
    router.add_get("/v1/employees", list_employees)
    router.add_get("/v1/employees/{employee_no}", get_employee)
    router.add_put("/v1/employees/{employee_no}/absence", set_absence)
    router.add_delete("/v1/employees/{employee_no}/absence", clear_absence)
    router.add_get("/v1/departments", departments)
    router.add_get("/v1/approvals", list_approvals)
    router.add_post("/v1/approvals", create_approval)
    router.add_get("/v1/approvals/{item_id}", get_approval)
    router.add_post("/v1/approvals/{item_id}/decisions", decide)
    router.add_get("/v1/kpis", kpi_catalogue)
    router.add_get("/v1/kpis/{metric}/values", kpi_values)
