"""`nudges settings …` (my preferences) and `nudges team <department> …` (a team's defaults, by an admin or
the department's head, typed in the team's channel; `escalate here` makes that channel the team's
escalation channel).

Words: `on` / `off`, `morning 08:30`, `quiet 19:00-08:00` / `quiet off`, `weekends on` (nudge on weekends
and holidays too) / `weekends off`, `timezone Asia/Tokyo`, `reset`; Korean too (켜기, 끄기, 아침, 방해금지,
주말, 시간대, 초기화).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from commands.cards import Card, Fact, Facts, Header, Reply, Text, Tone
from commands.context import CommandContext, require_employee
from commands.errors import Forbidden, NotFound, UserInputError
from commands.features.nudges.feature import NudgeFeature, feature_of
from commands.features.nudges.ladder import Profile, check_timezone, parse_clock
from commands.features.nudges.people import employee_of
from commands.invocation import ConversationKind
from commands.ports.erp import Employee
from commands.ports.nudges import Preferences, TeamDefaults

ON_WORDS = {"on", "켜기", "켬", "yes", "true"}
OFF_WORDS = {"off", "끄기", "끔", "no", "false"}
_KEYS = {
    "morning": "morning", "아침": "morning", "quiet": "quiet", "방해금지": "quiet", "조용": "quiet",
    "weekends": "weekends", "주말": "weekends",
    "timezone": "timezone", "tz": "timezone", "시간대": "timezone",
}  # fmt: skip
_RESET = {"reset", "초기화"}
ADMIN_ROLES = frozenset({"admin"})


def apply_words(prefs: Preferences, words: list[str]) -> Preferences:
    """The preferences with the typed changes; UserInputError names the word it cannot read."""
    index = 0
    while index < len(words):
        word = words[index].lower()
        if word in _RESET:
            prefs = Preferences()
        elif word in ON_WORDS | OFF_WORDS:
            prefs = replace(prefs, enabled=word in ON_WORDS)
        elif word in _KEYS:
            if index + 1 >= len(words):
                raise UserInputError(word, key="nudge.settings.missing_value", word=word)
            prefs = _set(prefs, _KEYS[word], words[index + 1])
            index += 1
        else:
            raise UserInputError(word, key="nudge.settings.unknown_word", word=word[:40])
        index += 1
    return prefs


def _set(prefs: Preferences, name: str, value: str) -> Preferences:
    lowered = value.lower()
    try:
        if name == "morning":
            return replace(prefs, morning=parse_clock(value))
        if name == "timezone":
            return replace(prefs, timezone=check_timezone(value))
        if name == "weekends":
            if lowered not in ON_WORDS | OFF_WORDS:
                raise ValueError(value)
            return replace(prefs, quiet_weekends=lowered in OFF_WORDS)
        if lowered in OFF_WORDS:
            return replace(prefs, quiet_start=time(0), quiet_end=time(0))
        start, _, end = value.partition("-")
        return replace(prefs, quiet_start=parse_clock(start), quiet_end=parse_clock(end))
    except ValueError:
        raise UserInputError(value, key=f"nudge.settings.bad_{name}", value=value[:40]) from None


async def user_settings(ctx: CommandContext, words: list[str]) -> Reply:
    """Show, or change then show, my nudge preferences."""
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    own = await feature.repo.user(employee_no)
    if words:
        own = await feature.repo.save_user(employee_no, apply_words(own, words))
    assert ctx.services.erp is not None
    employee = await employee_of(ctx.services.erp, employee_no)
    team = await feature.repo.team(employee.department_code)
    card = settings_card(ctx, feature, own, team.prefs if team else None, ctx.t("nudge.settings.title"))
    return Reply.of(card, ephemeral=True)


async def team_settings(ctx: CommandContext, words: list[str]) -> Reply:
    """Show, or change then show, a department's defaults (admins and the department's head)."""
    employee_no = require_employee(ctx)
    feature = feature_of(ctx.services)
    if not words:
        raise UserInputError("team", key="nudge.team.usage")
    department = words[0].upper()[:64]
    employee = await team_admin(ctx, employee_no, department)
    current = await feature.repo.team(department) or TeamDefaults(department)
    rest, escalation = _escalation_words(words[1:], current.escalation_target_id)
    if escalation == -1:
        escalation = await this_channel(ctx)
    if words[1:]:
        current = await feature.repo.save_team(
            TeamDefaults(department, apply_words(current.prefs, rest), escalation, employee.employee_no)
        )
    title = ctx.t("nudge.team.title", department=department)
    card = settings_card(ctx, feature, current.prefs, None, title, team_view=True)
    escalation_text = ctx.t(
        "nudge.team.escalation_here" if current.escalation_target_id else "nudge.team.escalation_none"
    )
    return Reply.of(Card(card.summary, (*card.elements, Text(escalation_text, tone=Tone.SUBTLE))))


def _escalation_words(words: list[str], current: int | None) -> tuple[list[str], int | None]:
    """Strip `escalate here|off` (에스컬레이션 여기|끄기); -1 means "this channel"."""
    rest: list[str] = []
    target = current
    index = 0
    while index < len(words):
        if words[index].lower() in ("escalate", "에스컬레이션", "보고") and index + 1 < len(words):
            value = words[index + 1].lower()
            target = -1 if value in ("here", "여기") else None if value in OFF_WORDS else target
            index += 2
            continue
        rest.append(words[index])
        index += 1
    return rest, target


async def team_admin(ctx: CommandContext, employee_no: str, department: str) -> Employee:
    erp = ctx.services.erp
    assert erp is not None
    employee = await employee_of(erp, employee_no)
    departments = {d.code: d for d in await erp.list_departments()}
    if department not in departments:
        raise UserInputError(department, key="nudge.team.unknown_department", department=department)
    if ADMIN_ROLES & set(employee.roles) or departments[department].head_no == employee_no:
        return employee
    raise Forbidden(f"{employee_no} may not set defaults of {department}", key="nudge.team.forbidden")


async def this_channel(ctx: CommandContext) -> int:
    conv = ctx.invocation.conversation
    if conv.kind is ConversationKind.PERSONAL:
        raise UserInputError("personal", key="nudge.team.channel_only")
    target = await ctx.services.targets.find(conv.platform, conv.tenant_id, conv.id)
    if target is None or target.id is None:
        raise NotFound(conv.id, key="nudge.no_target")
    return target.id


def settings_card(
    ctx: CommandContext,
    feature: NudgeFeature,
    own: Preferences,
    team: Preferences | None,
    title: str,
    *,
    team_view: bool = False,
) -> Card:
    """Each setting with its value and where it comes from (mine, my team's, the company's)."""
    base = feature.config.defaults
    effective = base.merged(own, team)

    def origin(name: str) -> str:
        if getattr(own, name) is not None:
            return ctx.t("nudge.settings.origin_team" if team_view else "nudge.settings.origin_mine")
        if team is not None and getattr(team, name) is not None:
            return ctx.t("nudge.settings.origin_team")
        return ctx.t("nudge.settings.origin_default")

    rows = (
        ("enabled", ctx.t("nudge.settings.on" if effective.enabled else "nudge.settings.off")),
        ("morning", effective.morning.strftime("%H:%M")),
        ("quiet_start", _quiet(ctx, effective)),
        (
            "quiet_weekends",
            ctx.t(
                "nudge.settings.weekends_quiet"
                if effective.quiet_weekends
                else "nudge.settings.weekends_sent"
            ),
        ),
        ("timezone", effective.timezone),
    )
    facts = tuple(Fact(ctx.t(f"nudge.settings.{name}"), f"{value} ({origin(name)})") for name, value in rows)
    help_text = ctx.t("nudge.settings.help")
    return Card(summary=title, elements=(Header(title), Facts(facts), Text(help_text, tone=Tone.SUBTLE)))


def _quiet(ctx: CommandContext, profile: Profile) -> str:
    if not profile.has_quiet_hours:
        return ctx.t("nudge.settings.quiet_none")
    return f"{profile.quiet_start.strftime('%H:%M')}–{profile.quiet_end.strftime('%H:%M')}"
