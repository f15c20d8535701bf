"""Approve, reject and hold from a card, decided on the server.

Only the item id is taken from the card: the item, its step and amount are re-read from the ERP, and
the caller must be the current step's approver or their acting approver today. The ERP gets an
idempotency key derived from (item, version, step, actor, action), so double clicks, Slack retries and a
click on both platforms are one decision, and one `decided` audit record (its once_key is the key: the
ERP replays the first answer to a repeat without saying so). When the ERP cannot be reached the
decision is queued and sent later with the same key.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from loguru import logger

from commands.cards import Card, Text, Tone
from commands.context import ActionContext, ActionResult, require_employee
from commands.errors import UpstreamUnavailable
from commands.features.approvals.card import Viewer, approval_card, decided_line, reason_input
from commands.features.approvals.labels import action_label
from commands.features.approvals.people import authority
from commands.features.approvals.sync import ApprovalSync
from commands.ports.audit import AuditEvent, AuditRecord, decided_once
from commands.ports.decisions import QueuedDecision
from commands.ports.erp import (
    AlreadyDecided,
    ApprovalItem,
    DecisionAction,
    ItemChanged,
    NotYourStep,
    ReasonRequired,
)

MAX_REASON = 500


def idempotency_key(item_id: str, version: int, seq: int, actor: str, action: str) -> str:
    digest = hashlib.sha256(f"{item_id}|{version}|{seq}|{actor}|{action}".encode()).hexdigest()
    return f"chatops-{digest[:40]}"


async def decide(action: DecisionAction, ctx: ActionContext) -> ActionResult:
    services = ctx.services
    assert services.erp and services.audit and services.decisions
    employee_no = require_employee(ctx)
    item_id = ctx.values.get("item", "")[:64]
    reason = ctx.invocation.inputs.get("reason", "").strip()[:MAX_REASON]
    if action is DecisionAction.REJECT and not reason:
        return ActionResult(notice=ctx.t("erp.reason_required"), ask=(reason_input(ctx.locale),))
    try:
        item = await services.erp.get_approval(item_id)
    except UpstreamUnavailable:
        return await _queue(ctx, action, item_id, employee_no, reason, card_version=ctx.values.get("v", ""))
    today = datetime.now(ZoneInfo(services.timezone)).date()
    granted = await authority(services.erp, item, employee_no, today)
    if granted is None:
        await _audit(ctx, AuditEvent.DECISION_REFUSED, item.id, employee_no, action, "not_your_step")
        stale = item.current_step is None
        return ActionResult(
            update=_status_card(ctx, item) if stale else None,
            notice=ctx.t("approval.stale" if stale else "approval.not_yours"),
        )
    if action not in granted.step.allowed_actions:
        return ActionResult(notice=ctx.t("approval.not_allowed"))
    key = idempotency_key(item.id, item.version, granted.step.seq, employee_no, action.value)
    try:
        updated = await services.erp.decide(
            item.id,
            action,
            actor_no=employee_no,
            comment=reason,
            expected_version=item.version,
            idempotency_key=key,
            on_behalf_of=granted.on_behalf_of or None,
        )
    except UpstreamUnavailable:
        return await _queue(
            ctx,
            action,
            item.id,
            employee_no,
            reason,
            card_version=str(item.version),
            key=key,
            on_behalf_of=granted.on_behalf_of,
        )
    except (AlreadyDecided, ItemChanged, NotYourStep) as exc:
        await _audit(ctx, AuditEvent.DECISION_REFUSED, item.id, employee_no, action, type(exc).__name__)
        current = await services.erp.get_approval(item.id)
        return ActionResult(update=_status_card(ctx, current), notice=ctx.t("approval.stale"))
    except ReasonRequired:
        return ActionResult(notice=ctx.t("erp.reason_required"), ask=(reason_input(ctx.locale),))
    await _audit(
        ctx,
        AuditEvent.DECIDED,
        item.id,
        employee_no,
        action,
        updated.status.value,
        on_behalf_of=granted.on_behalf_of,
        key=key,
        once_key=decided_once(key),
    )
    await ApprovalSync(services).sync(updated)
    return ActionResult(
        update=_status_card(ctx, updated),
        notice=ctx.t("approval.you_decided", action=action_label(ctx.locale, action.value)),
    )


async def _queue(
    ctx: ActionContext,
    action: DecisionAction,
    item_id: str,
    employee_no: str,
    reason: str,
    *,
    card_version: str,
    key: str = "",
    on_behalf_of: str = "",
) -> ActionResult:
    """The ERP is down: keep the decision and send it later. The ERP re-checks step and version then."""
    assert ctx.services.decisions
    if not card_version.isdigit():
        raise UpstreamUnavailable("ERP")
    caller = ctx.invocation.caller
    key = key or idempotency_key(item_id, int(card_version), -1, employee_no, action.value)
    await ctx.services.decisions.add(
        QueuedDecision(
            idempotency_key=key,
            item_id=item_id,
            action=action.value,
            actor_employee_no=employee_no,
            expected_version=int(card_version),
            comment=reason,
            on_behalf_of=on_behalf_of,
            platform=caller.platform.value,
            platform_user_id=caller.user_id,
            tenant_id=caller.tenant_id,
            locale=ctx.locale,
        )
    )
    await _audit(ctx, AuditEvent.DECISION_QUEUED, item_id, employee_no, action, "queued", key=key)
    logger.warning("ERP unavailable: decision on {} queued as {}", item_id, key)
    text = ctx.t("approval.queued")
    return ActionResult(update=Card(summary=text, elements=(Text(text, tone=Tone.WARNING),)), notice=text)


def _status_card(ctx: ActionContext, item: ApprovalItem) -> Card:
    banner = decided_line(item, ctx.locale, ctx.services.timezone)
    return approval_card(item, ctx.locale, ctx.services.timezone, Viewer.STATUS, banner=banner)


async def _audit(
    ctx: ActionContext,
    event: AuditEvent,
    item_id: str,
    employee_no: str,
    action: DecisionAction,
    outcome: str,
    *,
    on_behalf_of: str = "",
    key: str = "",
    once_key: str = "",
) -> None:
    assert ctx.services.audit
    caller = ctx.invocation.caller
    await ctx.services.audit.append(
        AuditRecord(
            event=event,
            item_id=item_id,
            at=ctx.services.clock.now(),
            actor_employee_no=employee_no,
            platform=caller.platform.value,
            platform_user_id=caller.user_id,
            tenant_id=caller.tenant_id,
            action=action.value,
            outcome=outcome,
            on_behalf_of=on_behalf_of,
            detail={"idempotency_key": key} if key else {},
            once_key=once_key,
        )
    )


async def refresh(ctx: ActionContext) -> ActionResult:
    """Teams asks for a user-specific view (refresh.userIds): buttons for whoever may decide now."""
    services = ctx.services
    assert services.erp and services.audit
    item = await services.erp.get_approval(ctx.values.get("item", "")[:64])
    viewer, acting_for = Viewer.STATUS, ""
    if ctx.employee_no:
        today = datetime.now(ZoneInfo(services.timezone)).date()
        granted = await authority(services.erp, item, ctx.employee_no, today)
        if granted is not None:
            viewer = Viewer.ACTING if granted.on_behalf_of else Viewer.APPROVER
            acting_for = granted.step.approver.name if granted.on_behalf_of else ""
        await services.audit.append(
            AuditRecord(
                event=AuditEvent.CARD_VIEWED,
                item_id=item.id,
                at=services.clock.now(),
                actor_employee_no=ctx.employee_no,
                platform=ctx.invocation.caller.platform.value,
                platform_user_id=ctx.invocation.caller.user_id,
                tenant_id=ctx.invocation.caller.tenant_id,
                outcome=viewer.value,
            )
        )
    banner = decided_line(item, ctx.locale, services.timezone) if viewer is Viewer.STATUS else ""
    refresh_ids = (ctx.invocation.caller.user_id,) if viewer is not Viewer.STATUS else ()
    card = approval_card(
        item,
        ctx.locale,
        services.timezone,
        viewer,
        acting_for=acting_for,
        banner=banner,
        refresh_user_ids=refresh_ids,
    )
    return ActionResult(update=card)
