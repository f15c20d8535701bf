"""Nudge cards: the assignee's grouped card (Done / Snooze / Open per task), the escalation card, and how a
due date reads ("내일 마감", "2일 지남") in the reader's timezone and language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from commands.cards import Actions, Button, Card, Divider, Element, Fact, Facts, Header, Style, Text, Tone
from commands.features.nudges.items import DONE, NudgeItem, unique
from commands.i18n import t

DONE_ACTION = "nudge.done"
SNOOZE_ACTION = "nudge.snooze"
SNOOZE_CHOICES = ("1h", "tomorrow", "nextbd")


def local_date_text(at: datetime, tz: str, locale: str) -> str:
    """'9월 24일 (목) 18:00' / 'Thu, Sep 24 18:00' in `tz`."""
    local = at.astimezone(ZoneInfo(tz))
    weekday = t(locale, "nudge.weekdays").split(",")[local.weekday()]
    month_name = t(locale, "nudge.months").split(",")[local.month - 1]
    return t(
        locale, "nudge.date", month=local.month, month_name=month_name, day=local.day, weekday=weekday,
        time=local.strftime("%H:%M"),
    )  # fmt: skip


def relative_due(due_at: datetime, now: datetime, tz: str, locale: str) -> tuple[str, Tone]:
    """How far the due date is, in calendar days of the reader's timezone, with a tone."""
    zone = ZoneInfo(tz)
    days = (due_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    if due_at <= now:
        if days == 0:
            return t(locale, "nudge.rel.passed_today"), Tone.ATTENTION
        late = -days
        return t(
            locale, "nudge.rel.overdue_one" if late == 1 else "nudge.rel.overdue", n=late
        ), Tone.ATTENTION
    if days == 0:
        return t(locale, "nudge.rel.today"), Tone.WARNING
    if days == 1:
        return t(locale, "nudge.rel.tomorrow"), Tone.WARNING
    return t(locale, "nudge.rel.in_days", n=days), Tone.DEFAULT


def nudge_card(
    items: list[NudgeItem],
    *,
    locale: str,
    tz: str,
    now: datetime,
    batch_key: str = "",
    max_tasks: int = 10,
    title_key: str = "nudge.card.title",
) -> Card:
    """One card for all of a person's due tasks; a task someone clicked shows what was done instead of
    its buttons."""
    shown = unique(items)
    title = t(locale, title_key, count=len(shown))
    elements: list[Element] = [Header(title)]
    for index, item in enumerate(shown[:max_tasks]):
        if index:
            elements.append(Divider())
        elements.extend(_task(item, locale, tz, now, batch_key))
    if len(shown) > max_tasks:
        elements.append(Text(t(locale, "nudge.card.more", count=len(shown) - max_tasks), tone=Tone.SUBTLE))
    summary = title if len(shown) != 1 else f"{title}: {shown[0].title}"
    return Card(summary=summary[:200], elements=tuple(elements))


def _task(item: NudgeItem, locale: str, tz: str, now: datetime, batch_key: str) -> list[Element]:
    relative, tone = relative_due(item.due_at, now, tz, locale)
    due = f"{local_date_text(item.due_at, tz, locale)} · {relative}"
    facts = [
        Fact(t(locale, "nudge.field.project"), _project(item, locale)),
        Fact(t(locale, "nudge.field.due"), due, tone),
    ]
    elements: list[Element] = [Text(_title(item)), Facts(tuple(facts))]
    buttons: list[Button] = []
    if item.outcome == DONE:
        elements.append(Text(t(locale, "nudge.outcome.done"), tone=Tone.GOOD))
    elif (until := item.snoozed_until) is not None:
        elements.append(
            Text(
                t(locale, "nudge.outcome.snoozed", until=local_date_text(until, tz, locale)), tone=Tone.SUBTLE
            )
        )
    else:
        values = {"s": item.source, "p": item.project_id, "t": item.task_id, "b": batch_key}
        if item.can_complete:
            buttons.append(Button(t(locale, "nudge.button.done"), DONE_ACTION, values, Style.PRIMARY))
        else:
            elements.append(
                Text(
                    t(locale, "nudge.close_there", source=source_label(item.source, locale)), tone=Tone.SUBTLE
                )
            )
        for choice in SNOOZE_CHOICES:
            buttons.append(
                Button(t(locale, f"nudge.button.snooze_{choice}"), SNOOZE_ACTION, {**values, "u": choice})
            )
    if item.url.startswith(("https://", "http://")):
        buttons.append(Button(t(locale, "nudge.button.open"), url=item.url))
    if buttons:
        elements.append(Actions(tuple(buttons)))
    return elements


def escalation_card(items: list[NudgeItem], *, locale: str, tz: str, max_tasks: int = 10) -> Card:
    """Who, what and how late, for a manager or a team channel."""
    shown = unique(items)
    title = t(locale, "nudge.escalation.title", count=len(shown))
    elements: list[Element] = [Header(title), Text(t(locale, "nudge.escalation.intro"), tone=Tone.SUBTLE)]
    for item in shown[:max_tasks]:
        elements.append(Divider())
        elements.append(Text(_title(item)))
        facts = (
            Fact(t(locale, "nudge.field.assignee"), item.assignee or "-"),
            Fact(t(locale, "nudge.field.project"), _project(item, locale)),
            Fact(t(locale, "nudge.field.due"), local_date_text(item.due_at, tz, locale)),
            Fact(
                t(locale, "nudge.field.late"),
                t(locale, "nudge.late_business_days", n=item.late),
                Tone.ATTENTION,
            ),
        )
        elements.append(Facts(facts))
        if item.url.startswith(("https://", "http://")):
            elements.append(Actions((Button(t(locale, "nudge.button.open"), url=item.url),)))
    if len(shown) > max_tasks:
        elements.append(Text(t(locale, "nudge.card.more", count=len(shown) - max_tasks), tone=Tone.SUBTLE))
    return Card(summary=title, elements=tuple(elements))


def source_label(source: str, locale: str) -> str:
    key = f"nudge.source.{source}"
    label = t(locale, key)
    return source if label == key else label


def _project(item: NudgeItem, locale: str) -> str:
    return item.project or source_label(item.source, locale)


def _title(item: NudgeItem) -> str:
    return f"{item.ref} {item.title}".strip() if item.ref else item.title
