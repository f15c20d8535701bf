"""The ERP's RFC 9457 problems, mapped onto the core's error roots."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from adapters.erp import codec
from commands.errors import ChatOpsError, Conflict, Forbidden, NotFound, UpstreamUnavailable, UserInputError
from commands.ports.erp import AlreadyDecided, ApprovalItem, ItemChanged, NotYourStep, ReasonRequired

SERVICE = "ERP"


def _problem_body(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content, parse_float=Decimal)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _current_item(problem: dict[str, Any]) -> ApprovalItem | None:
    if "item" not in problem:
        return None
    try:
        return codec.approval(codec.Reader(problem["item"], "problem.item"))
    except codec.MalformedResponse:
        return None


def map_problem(status: int, content: bytes, *, what: str) -> ChatOpsError:
    """The error for a 4xx answer; `what` names the thing asked for (for NotFound messages)."""
    problem = _problem_body(content)
    code = str(problem.get("code", ""))
    detail = str(problem.get("detail") or problem.get("title") or f"ERP answered {status}")
    version = problem.get("current_version")
    if code == "already_decided":
        return AlreadyDecided(detail, item=_current_item(problem), what=what)
    if code == "item_changed" or status == 412:
        return ItemChanged(detail, current_version=version if isinstance(version, int) else None, what=what)
    if code == "reason_required":
        return ReasonRequired(detail, reason=detail)
    if code == "not_your_step":
        return NotYourStep(detail)
    if status == 404:
        return NotFound(detail, what=what)
    if status == 403:
        return Forbidden(detail)
    if status == 409:
        return Conflict(detail, reason=code or "conflict", what=what)
    if status in (400, 422):
        return UserInputError(detail, reason=detail)
    # 401 and anything else: our credentials or the ERP are broken; the user can only wait.
    return UpstreamUnavailable(SERVICE, f"ERP answered {status} {code}".strip(), status=status)
