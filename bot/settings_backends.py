"""Settings of the ERP and groupware backends. Empty URLs mean: run the embedded demo services."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings_common import CsvList, split_csv


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", case_sensitive=False)


class ErpSettings(BaseSettings):
    model_config = _config("ERP_")

    url: str = ""
    api_key: SecretStr = SecretStr("")
    oauth_token_url: str = ""
    oauth_client_id: str = ""
    oauth_client_secret: SecretStr = SecretStr("")
    oauth_scope: str = ""
    webhook_secret: SecretStr = SecretStr("")
    timeout_seconds: float = Field(10.0, gt=0, le=120)
    employee_cache_seconds: float = Field(60.0, ge=0, le=3600)
    demo_db: str = "var/demo-erp.db"
    demo_port: int = Field(3990, ge=0, le=65535)

    @property
    def embedded(self) -> bool:
        return not self.url

    @model_validator(mode="after")
    def _consistent(self) -> ErpSettings:
        oauth = (self.oauth_token_url, self.oauth_client_id, self.oauth_client_secret.get_secret_value())
        if any(oauth) and not all(oauth):
            raise ValueError("ERP_OAUTH_TOKEN_URL: OAuth needs the token URL, client id and client secret")
        if self.url and not (self.api_key.get_secret_value() or all(oauth)):
            raise ValueError("ERP_API_KEY: required when ERP_URL is set (or configure ERP_OAUTH_*)")
        if self.api_key.get_secret_value() and all(oauth):
            raise ValueError("ERP_API_KEY: give either an API key or OAuth client credentials, not both")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("ERP_URL: must be an http(s) URL")
        return self


class DooraySettings(BaseSettings):
    model_config = _config("DOORAY_")

    url: str = ""
    token: SecretStr = SecretStr("")
    project_ids: CsvList = Field(default_factory=list)
    web_url: str = ""
    demo_db: str = "var/demo-groupware.db"
    demo_port: int = Field(3991, ge=0, le=65535)

    _split = field_validator("project_ids", mode="before")(split_csv)

    @model_validator(mode="after")
    def _consistent(self) -> DooraySettings:
        if self.url and not self.token.get_secret_value():
            raise ValueError("DOORAY_TOKEN: required when DOORAY_URL is set")
        if self.url and not self.project_ids:
            raise ValueError("DOORAY_PROJECT_IDS: required when DOORAY_URL is set")
        return self


class PlannerSettings(BaseSettings):
    model_config = _config("PLANNER_")

    tenant_id: str = ""
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    plan_ids: CsvList = Field(default_factory=list)

    _split = field_validator("plan_ids", mode="before")(split_csv)

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

    @model_validator(mode="after")
    def _consistent(self) -> PlannerSettings:
        parts = (self.tenant_id, self.client_id, self.client_secret.get_secret_value(), self.plan_ids)
        if any(parts) and not all(parts):
            raise ValueError(
                "PLANNER_CLIENT_ID: Planner needs tenant id, client id, client secret and plan ids"
            )
        return self


class LinkSettings(BaseSettings):
    model_config = _config("LINK_")

    # A manual `link` must match the email the chat platform vouches for; turn off only for demos.
    require_email_match: bool = True
