"""The approval card: one neutral card, seen differently by the approver, the acting approver, a 참조
recipient and everyone else (status only)."""

from __future__ import annotations

from enum import StrEnum

from commands.cards import (
    Actions,
    Button,
    Card,
    Divider,
    Element,
    Fact,
    Facts,
    Header,
    Style,
    Text,
    TextInput,
    Tone,
)
from commands.features.approvals.labels import (
    action_label,
    local_time,
    money,
    status_label,
    step_kind,
    step_state,
    type_label,
)
from commands.i18n import t
from commands.ports.erp import ApprovalItem, ApprovalStatus, ApprovalStep, DecisionAction, StepState

DECIDE = "approval.decide"
REFRESH = "approval.refresh"
SHOW = "approval.show"
MAX_LINES = 3
_STATUS_TONES = {
    ApprovalStatus.APPROVED: Tone.GOOD,
    ApprovalStatus.REJECTED: Tone.ATTENTION,
    ApprovalStatus.ON_HOLD: Tone.WARNING,
    ApprovalStatus.WITHDRAWN: Tone.SUBTLE,
}


class Viewer(StrEnum):
    APPROVER = "approver"  # the current step's approver: buttons
    ACTING = "acting"  # their acting approver (대결): buttons, and a note
    CC = "cc"  # 참조/수신: information only
    STATUS = "status"  # anyone else, and everyone once decided


def reason_input(locale: str) -> TextInput:
    return TextInput(
        "reason",
        t(locale, "approval.reason"),
        t(locale, "approval.reason_placeholder"),
        multiline=True,
        required=True,
        max_length=500,
    )


def approval_card(
    item: ApprovalItem,
    locale: str,
    tz: str,
    viewer: Viewer,
    *,
    acting_for: str = "",
    banner: str = "",
    refresh_user_ids: tuple[str, ...] = (),
) -> Card:
    title = f"[{type_label(locale, item.type)}] {item.title}"
    elements: list[Element] = [Header(title)]
    if banner:
        elements.append(Text(banner, tone=Tone.WARNING))
    if viewer is Viewer.ACTING and acting_for:
        elements.append(Text(t(locale, "approval.acting_note", approver=acting_for), tone=Tone.WARNING))
    if viewer is Viewer.CC:
        elements.append(Text(t(locale, "approval.cc_note"), tone=Tone.SUBTLE))
    elements.append(_summary(item, locale))
    elements.extend(_lines(item, locale))
    elements.append(Divider())
    elements.append(Text(t(locale, "approval.line_title"), size="small", tone=Tone.SUBTLE))
    elements.append(Facts(tuple(_step_fact(step, locale, tz) for step in item.steps)))
    elements.extend(_attachments(item, locale))
    elements.append(Actions(_buttons(item, locale, viewer)))
    return Card(
        summary=title,
        elements=tuple(elements),
        refresh_action=REFRESH if refresh_user_ids else "",
        refresh_values={"item": item.id} if refresh_user_ids else {},
        refresh_user_ids=refresh_user_ids,
    )


def _summary(item: ApprovalItem, locale: str) -> Facts:
    requester = f"{item.requester.name} ({item.requester.department_name})"
    status = status_label(locale, item.status)
    return Facts(
        (
            Fact(t(locale, "approval.field.id"), item.id),
            Fact(t(locale, "approval.field.requester"), requester),
            Fact(t(locale, "approval.field.amount"), money(locale, item.amount, item.currency)),
            Fact(t(locale, "approval.field.due"), item.due_date.isoformat() if item.due_date else "-"),
            Fact(t(locale, "approval.field.status"), status, _STATUS_TONES.get(item.status, Tone.DEFAULT)),
        )
    )


def _lines(item: ApprovalItem, locale: str) -> list[Element]:
    if not item.lines:
        return []
    shown = [
        f"• {line.description} × {line.quantity.normalize():f} — {money(locale, line.amount, item.currency)}"
        for line in item.lines[:MAX_LINES]
    ]
    if len(item.lines) > MAX_LINES:
        shown.append(t(locale, "approval.lines_more", count=len(item.lines) - MAX_LINES))
    return [Text(t(locale, "approval.lines"), size="small", tone=Tone.SUBTLE), Text("\n".join(shown))]


def _step_fact(step: ApprovalStep, locale: str, tz: str) -> Fact:
    label = f"{step.seq}. {step_kind(locale, step.kind)}"
    if step.final_authority:
        label += f" ({t(locale, 'approval.final_authority')})"
    who = f"{step.approver.name} ({step.approver.department_name})"
    parts = [who, step_state(locale, step.state)]
    if step.acting_for:
        parts.append(f"{t(locale, 'approval.acting')}: {step.decided_by or ''}")
    if step.decided_at:
        parts.append(local_time(step.decided_at, tz))
    if step.comment:
        parts.append(f"“{step.comment}”")
    tone = {
        StepState.APPROVED: Tone.GOOD,
        StepState.REJECTED: Tone.ATTENTION,
        StepState.CURRENT: Tone.WARNING,
        StepState.ON_HOLD: Tone.WARNING,
    }.get(step.state, Tone.DEFAULT)
    return Fact(label, " · ".join(parts), tone)


def _attachments(item: ApprovalItem, locale: str) -> list[Element]:
    if not item.attachments:
        return []
    links = "\n".join(f"[{_link_label(a.name)}]({a.url})" for a in item.attachments[:5])
    return [
        Text(t(locale, "approval.attachments"), size="small", tone=Tone.SUBTLE),
        Text(links, markdown=True),
    ]


def _link_label(name: str) -> str:
    return "".join(ch for ch in name if ch not in "[]()*_`")[:80] or "file"


def _buttons(item: ApprovalItem, locale: str, viewer: Viewer) -> tuple[Button, ...]:
    buttons: list[Button] = []
    step = item.current_step
    if (
        viewer in (Viewer.APPROVER, Viewer.ACTING)
        and step is not None
        and item.status
        in (
            ApprovalStatus.PENDING,
            ApprovalStatus.ON_HOLD,
        )
    ):
        values = {"item": item.id, "v": str(item.version)}
        styles = {DecisionAction.APPROVE: Style.PRIMARY, DecisionAction.REJECT: Style.DANGER}
        for action in (DecisionAction.APPROVE, DecisionAction.REJECT, DecisionAction.HOLD):
            if action not in step.allowed_actions:
                continue
            inputs = (reason_input(locale),) if action is DecisionAction.REJECT else ()
            buttons.append(
                Button(
                    action_label(locale, action),
                    f"{DECIDE}.{action.value}",
                    values,
                    styles.get(action, Style.DEFAULT),
                    inputs=inputs,
                )
            )
    if item.web_url.startswith(("https://", "http://")):
        buttons.append(Button(t(locale, "approval.button.open"), url=item.web_url))
    return tuple(buttons)


def decided_line(item: ApprovalItem, locale: str, tz: str) -> str:
    """'승인: 박지훈 · 2026-11-21 14:03' for the last decided step, or the status alone."""
    decided = [s for s in item.steps if s.decided_at and s.state in (StepState.APPROVED, StepState.REJECTED)]
    if not decided:
        return status_label(locale, item.status)
    last = max(decided, key=lambda s: s.decided_at or item.updated_at)
    return t(
        locale,
        "approval.decided_by",
        state=step_state(locale, last.state),
        name=last.approver.name,
        at=local_time(last.decided_at, tz),
    )
