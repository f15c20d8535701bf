"""Typed settings from the environment (and `.env`), grouped by concern.

Platform variables keep their conventional names (MICROSOFT_APP_ID, SLACK_BOT_TOKEN, ...) so existing
.env files work. Every variable is documented in `.env.example`; a test keeps the two in sync.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.manifests import ManifestSettings
from bot.settings_backends import DooraySettings, ErpSettings, LinkSettings, PlannerSettings
from bot.settings_common import CsvList, split_csv
from bot.settings_delivery import DeliverySettings
from bot.settings_kpi import KpiSettings
from bot.settings_nudges import NudgeSettings
from bot.settings_playground import PlaygroundSettings
from bot.settings_scheduler import SchedulerSettings
from commands.errors import ConfigurationError


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", case_sensitive=False)


class AppType(StrEnum):
    MULTI_TENANT = "MultiTenant"
    SINGLE_TENANT = "SingleTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


class CoreSettings(BaseSettings):
    model_config = _config("")

    host: str = "127.0.0.1"
    port: int = Field(3978, ge=1, le=65535)
    public_url: str = "http://localhost:3978"
    database_url: str = "sqlite:///var/chatops.db"
    default_locale: Literal["ko", "en"] = "ko"
    timezone: str = "Asia/Seoul"
    log_format: Literal["human", "json"] = "human"
    log_level: Literal["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(1_048_576, ge=1024, le=50_000_000)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


class TeamsSettings(BaseSettings):
    """Bot Framework credentials. An empty app id means local mode: no authentication."""

    model_config = _config("MICROSOFT_")

    app_id: str = ""
    app_password: SecretStr = SecretStr("")
    app_type: AppType = AppType.MULTI_TENANT
    app_tenant_id: str = ""

    @property
    def local_mode(self) -> bool:
        return not self.app_id

    @model_validator(mode="after")
    def _consistent(self) -> TeamsSettings:
        if self.app_type is AppType.SINGLE_TENANT and self.app_id and not self.app_tenant_id:
            raise ValueError("MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE=SingleTenant")
        if self.app_id and self.app_type is not AppType.USER_ASSIGNED_MSI and not self.app_password:
            raise ValueError("MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set")
        if self.app_password.get_secret_value() and not self.app_id:
            raise ValueError("MICROSOFT_APP_ID: required when MICROSOFT_APP_PASSWORD is set")
        return self


class TeamsPolicySettings(BaseSettings):
    model_config = _config("TEAMS_")

    allowed_tenants: CsvList = Field(default_factory=list)

    _split = field_validator("allowed_tenants", mode="before")(split_csv)


class SlackSettings(BaseSettings):
    """Slack is enabled when a bot token is set; HTTP mode then needs the signing secret."""

    model_config = _config("SLACK_")

    bot_token: SecretStr = SecretStr("")
    signing_secret: SecretStr = SecretStr("")
    app_token: SecretStr = SecretStr("")
    api_url: str = "https://slack.com/api/"
    # the ack is the HTTP response, sent when the listener returns: budget + rendering + network < 3 s
    ack_budget_seconds: float = Field(1.2, gt=0, le=2.0)

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token.get_secret_value())

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token.get_secret_value())

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _consistent(self) -> SlackSettings:
        token, secret = self.bot_token.get_secret_value(), self.signing_secret.get_secret_value()
        if token and not token.startswith("xox"):
            raise ValueError("SLACK_BOT_TOKEN: must be a bot token starting with xoxb-")
        if token and not secret:
            raise ValueError("SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set")
        if secret and not token:
            raise ValueError("SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set")
        app_token = self.app_token.get_secret_value()
        if app_token and not app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN: must be an app-level token starting with xapp-")
        if app_token and not token:
            raise ValueError("SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set")
        return self


class Settings:
    """All settings groups, read once by the composition root."""

    def __init__(self, env_file: str | Path | None = ".env", **overrides: Any) -> None:
        def build(cls: type[BaseSettings], group: str) -> Any:
            return cls(_env_file=env_file, **overrides.get(group, {}))

        self.core: CoreSettings = build(CoreSettings, "core")
        self.teams: TeamsSettings = build(TeamsSettings, "teams")
        self.teams_policy: TeamsPolicySettings = build(TeamsPolicySettings, "teams_policy")
        self.slack: SlackSettings = build(SlackSettings, "slack")
        self.erp: ErpSettings = build(ErpSettings, "erp")
        self.dooray: DooraySettings = build(DooraySettings, "dooray")
        self.planner: PlannerSettings = build(PlannerSettings, "planner")
        self.link: LinkSettings = build(LinkSettings, "link")
        self.scheduler: SchedulerSettings = build(SchedulerSettings, "scheduler")
        self.delivery: DeliverySettings = build(DeliverySettings, "delivery")
        self.kpi: KpiSettings = build(KpiSettings, "kpi")
        self.nudges: NudgeSettings = build(NudgeSettings, "nudges")
        self.manifest: ManifestSettings = build(ManifestSettings, "manifest")
        self.playground: PlaygroundSettings = build(PlaygroundSettings, "playground")

    def secrets(self) -> list[str]:
        """Every configured secret value, for log redaction."""
        values = [
            self.teams.app_password,
            self.slack.bot_token,
            self.slack.signing_secret,
            self.slack.app_token,
            self.erp.api_key,
            self.erp.oauth_client_secret,
            self.erp.webhook_secret,
            self.dooray.token,
            self.planner.client_secret,
            self.nudges.dooray_webhook_token,
        ]
        return [v.get_secret_value() for v in values if v.get_secret_value()]


SETTINGS_GROUPS: tuple[type[BaseSettings], ...] = (
    CoreSettings,
    TeamsSettings,
    TeamsPolicySettings,
    SlackSettings,
    ErpSettings,
    DooraySettings,
    PlannerSettings,
    LinkSettings,
    SchedulerSettings,
    DeliverySettings,
    KpiSettings,
    NudgeSettings,
    ManifestSettings,
    PlaygroundSettings,
)


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read and validate settings; a problem raises ConfigurationError with one line naming the variable."""
    try:
        return Settings(env_file=env_file, **overrides)
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    model = exc.title
    prefix = next((c.model_config.get("env_prefix", "") for c in SETTINGS_GROUPS if c.__name__ == model), "")
    first = exc.errors()[0]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    loc = [str(part) for part in first.get("loc", ()) if part != "__root__"]
    if loc:
        return f"{(prefix + loc[0]).upper()}: {message}"
    return message
