"""Deadline-nudge settings (NUDGE_*): the reminder ladder, the scan interval, company defaults for the
morning time and quiet hours, escalation, ERP items waiting too long, and the Dooray webhook token."""

from __future__ import annotations

from datetime import time

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings_common import CsvList, split_csv
from commands.features.nudges import EscalateTo, NudgeConfig
from commands.features.nudges.ladder import (
    DEFAULT_LADDER,
    Ladder,
    Profile,
    check_timezone,
    parse_clock,
    parse_ladder,
)


class NudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NUDGE_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # Deadline nudges on/off for the whole company (the jobs then record "skipped").
    enabled: bool = True
    # The ladder, in business days around the due date: -3,-1 = 3 and 1 days before (at each person's
    # morning time), 0@09:00 = the due day at 09:00, +1.. = every business day while overdue.
    ladder: str = DEFAULT_LADDER
    # How often each task source is scanned for due steps.
    scan_interval_seconds: int = Field(300, ge=30, le=86_400)
    # Company defaults; everyone may change their own (`nudges settings`), admins their team's.
    morning: str = "09:00"
    # Nothing is sent in quiet hours (it waits); "off" for none.
    quiet_hours: str = "19:00-08:00"
    # Nothing is sent on weekends and Korean public holidays either.
    quiet_weekends: bool = True
    # Empty: the bot's TIMEZONE.
    timezone: str = ""
    # Escalation levels, in business days overdue: "3" escalates once at 3 days; "3,5" again at 5 days
    # (level 2 goes to the manager's manager).
    escalation_days: CsvList = Field(default_factory=lambda: ["3"])
    # manager (up the ERP org chart), channel (the team's escalation channel), or both.
    escalate_to: EscalateTo = EscalateTo.MANAGER
    # Stored conversation id (`chatops targets`) that gets escalations of teams without their own
    # channel (`nudges team <dept> escalate here`); empty for none.
    escalation_target_id: int | None = None
    # Nudge the current approver of ERP approval items waiting too long.
    erp_approvals: bool = True
    # An approval item without a due date is due this many business days after it was drafted.
    erp_wait_business_days: int = Field(3, ge=1, le=60)
    # Tasks listed on one nudge card (the rest: "N more").
    max_tasks_per_card: int = Field(10, ge=1, le=10)
    # "Snooze 1 hour" snoozes this many minutes.
    snooze_minutes: int = Field(60, ge=5, le=1440)
    # Secret for POST /dooray/webhook?token=…; the endpoint answers 404 while empty.
    dooray_webhook_token: SecretStr = SecretStr("")

    _split = field_validator("escalation_days", mode="before")(split_csv)

    @field_validator("escalation_target_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, value: str) -> str:
        parse_ladder(value)
        return value

    @field_validator("morning")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        quiet_window(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value) if value else value

    @field_validator("escalation_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [int(v) for v in value]
        if any(d < 1 for d in days) or days != sorted(set(days)):
            raise ValueError("escalation days must be increasing positive numbers, e.g. 3,5")
        return value

    def to_config(self, default_timezone: str) -> NudgeConfig:
        """The core's view of these settings."""
        start, end = quiet_window(self.quiet_hours)
        defaults = Profile(
            enabled=True,
            timezone=self.timezone or default_timezone,
            morning=parse_clock(self.morning),
            quiet_start=start,
            quiet_end=end,
            quiet_weekends=self.quiet_weekends,
        )
        ladder: Ladder = parse_ladder(self.ladder)
        return NudgeConfig(
            ladder=ladder,
            defaults=defaults,
            escalation_days=tuple(int(d) for d in self.escalation_days),
            escalate_to=self.escalate_to,
            escalation_target_id=self.escalation_target_id,
            max_tasks_per_card=self.max_tasks_per_card,
            snooze_minutes=self.snooze_minutes,
        )


def quiet_window(text: str) -> tuple[time, time]:
    """'19:00-08:00' → (19:00, 08:00); 'off' → no quiet hours (start == end)."""
    if text.strip().lower() in ("off", "none", ""):
        return time(0), time(0)
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError("quiet hours look like 19:00-08:00 (or off)")
    return parse_clock(start), parse_clock(end)
